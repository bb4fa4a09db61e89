/**
 * What a mail provider's webhook or the bounce mailbox says about a message already sent, reduced to what
 * nashra acts on: a hard bounce (the address is gone), a soft bounce (counts toward SOFT_BOUNCE_LIMIT) or a
 * complaint (the reader marked it spam).
 */
export type LateReportKind = 'hard' | 'soft' | 'complaint';

export interface LateReport {
  kind: LateReportKind;
  /** The recipient; null when the report hides it (some feedback loops redact it): then messageId names them. */
  email: string | null;
  /** The Message-ID of the mail reported, `<…>`, when the report carries it. */
  messageId: string | null;
}

/** A provider payload that is not the shape its parser knows (the webhook answers 400). */
export class LateReportPayloadError extends Error {}

const MAX_MESSAGE_ID = 300;

/** `<local@domain>` from a Message-ID written with or without angle brackets; null when it is not one. */
export function normaliseMessageId(raw: unknown): string | null {
  if (typeof raw !== 'string') {
    return null;
  }
  const bare = raw.trim().replace(/^<+|>+$/g, '');
  if (!bare || bare.length > MAX_MESSAGE_ID || !bare.includes('@') || /[\s<>]/.test(bare)) {
    return null;
  }
  return `<${bare}>`;
}

/** The address in `Name <a@b>` or `rfc822; a@b` or a bare `a@b`; null when there is none. */
export function addressIn(raw: unknown): string | null {
  if (typeof raw !== 'string') {
    return null;
  }
  const value = raw.replace(/^\s*rfc822\s*;/i, '').trim();
  const bracketed = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  const address = bracketed ? bracketed[1] : value.split(/\s+/)[0];
  return address && address.includes('@') && address.length <= 320 ? address : null;
}

/** A plain object (parsed JSON), or an error saying which part of the payload was not one. */
export function objectAt(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LateReportPayloadError(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

export function stringAt(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new LateReportPayloadError(`${what} must be a non-empty string`);
  }
  return value;
}
