import { createHmac } from 'node:crypto';
import { safeEqual } from '../../common/secure-token';
import { addressIn, LateReport, LateReportPayloadError, normaliseMessageId, objectAt, stringAt } from './late-report';

/**
 * Mailgun's webhooks (`failed` with severity permanent or temporary, `complained`): a JSON body with the
 * event under `event-data` and Mailgun's own signature under `signature`.
 */
export interface MailgunPayload {
  reports: LateReport[];
  note: string;
}

/** How old a signed Mailgun timestamp may be: refuses a captured request replayed later. */
export const MAILGUN_MAX_AGE_SECONDS = 15 * 60;

/** A Mailgun signature that checked out: its one-time token, and when the timestamp stops being accepted. */
export interface MailgunSigned {
  token: string;
  expiresAt: Date;
}

/**
 * Mailgun signs `timestamp + token` with the domain's HTTP webhook signing key (HMAC-SHA256, hex).
 * The token when the signature is right and the timestamp recent; null otherwise. The token is Mailgun's
 * one-time value: the caller refuses it a second time (a replay within the window).
 */
export function mailgunSigned(body: unknown, signingKey: string, now: Date): MailgunSigned | null {
  if (typeof body !== 'object' || body === null) {
    return null;
  }
  const signature = (body as { signature?: unknown }).signature;
  if (typeof signature !== 'object' || signature === null) {
    return null;
  }
  const { timestamp, token, signature: given } = signature as Record<string, unknown>;
  if (typeof timestamp !== 'string' || typeof token !== 'string' || typeof given !== 'string') {
    return null;
  }
  const seconds = Number(timestamp);
  if (!Number.isFinite(seconds) || Math.abs(now.getTime() / 1000 - seconds) > MAILGUN_MAX_AGE_SECONDS) {
    return null;
  }
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    return null;
  }
  if (!safeEqual(given.toLowerCase(), mailgunSignature(signingKey, timestamp, token))) {
    return null;
  }
  return { token, expiresAt: new Date((seconds + MAILGUN_MAX_AGE_SECONDS) * 1000) };
}

/** Mailgun's tokens are 50 characters; anything much longer is not one (and would bloat the replay table). */
const MAX_TOKEN_LENGTH = 256;

export function mailgunSignature(signingKey: string, timestamp: string, token: string): string {
  return createHmac('sha256', signingKey)
    .update(timestamp + token)
    .digest('hex');
}

export function parseMailgunWebhook(body: unknown): MailgunPayload {
  const event = objectAt(objectAt(body, 'the Mailgun webhook')['event-data'], 'event-data');
  const name = stringAt(event.event, 'event-data.event');
  if (name !== 'failed' && name !== 'complained') {
    return { reports: [], note: `Mailgun ${name} event ignored` };
  }
  const email = addressIn(event.recipient);
  if (!email) {
    throw new LateReportPayloadError('event-data.recipient must be an address');
  }
  const message = typeof event.message === 'object' && event.message !== null ? event.message : {};
  const headers = (message as { headers?: Record<string, unknown> }).headers ?? {};
  // Mailgun writes the Message-ID without angle brackets.
  const messageId = normaliseMessageId(headers['message-id']);
  if (name === 'complained') {
    return { reports: [{ kind: 'complaint', email, messageId }], note: 'Mailgun complaint' };
  }
  const severity = event.severity;
  if (severity !== 'permanent' && severity !== 'temporary') {
    throw new LateReportPayloadError('event-data.severity must be permanent or temporary');
  }
  return {
    reports: [{ kind: severity === 'permanent' ? 'hard' : 'soft', email, messageId }],
    note: `Mailgun ${severity} failure`,
  };
}
