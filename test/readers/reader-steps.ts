import request from 'supertest';
import type { ReceivedMessage, SmtpSink } from '../helpers/smtp-sink';
import type { TestApp } from '../helpers/test-app';

/** Arabic letters: proves a reader-facing message is in Arabic, whatever its exact wording. */
export const ARABIC = /[\u0600-\u06FF]{3,}/;

let lastOctet = 0;
/** A fresh client address per request (X-Forwarded-For from loopback is trusted), so rate limits stay apart. */
export function clientIp(): string {
  lastOctet++;
  return `198.51.${Math.floor(lastOctet / 250) % 250}.${(lastOctet % 250) + 1}`;
}

export function postForm(t: TestApp, fields: Record<string, string>, ip = clientIp()) {
  return request(t.baseUrl)
    .post('/subscriptions')
    .set('X-Forwarded-For', ip)
    .type('form')
    .send(new URLSearchParams(fields).toString());
}

export function postJson(t: TestApp, body: unknown, ip = clientIp()) {
  return request(t.baseUrl)
    .post('/subscriptions')
    .set('X-Forwarded-For', ip)
    .set('Accept', 'application/json')
    .type('json')
    .send(JSON.stringify(body));
}

/** The confirmation token in an email's HTML link. */
export function confirmToken(message: ReceivedMessage): string {
  const html = String(message.parsed.html);
  const match = /\/subscriptions\/confirm\?token=([A-Za-z0-9_-]{43})/.exec(html);
  if (!match) {
    throw new Error('No confirmation link in the email');
  }
  return match[1];
}

export interface SubscriberRow {
  id: string;
  email: string;
  email_key: string;
  status: string;
  frequency: string;
  topics: string[];
  consent: { at: string; page: string | null; ip: string | null; userAgent: string | null; wording: string } | null;
  confirmed_at: Date | null;
  unsubscribed_at: Date | null;
  confirmation_token_hash: string | null;
}

export async function subscribers(t: TestApp): Promise<SubscriberRow[]> {
  return (await t.dataSource.query('SELECT * FROM subscribers ORDER BY id')) as SubscriberRow[];
}

export async function subscriberByKey(t: TestApp, key: string): Promise<SubscriberRow | undefined> {
  const rows = (await t.dataSource.query('SELECT * FROM subscribers WHERE email_key = $1', [key])) as SubscriberRow[];
  return rows[0];
}

/** Lets background sends finish, then gives late mail a moment to arrive, so "no email" is meaningful. */
export async function settle(ms = 300): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** The `action` of every form on a page, with HTML entities decoded as a browser would. */
export function formActions(html: string): string[] {
  return [...html.matchAll(/<form\b[^>]*\baction="([^"]*)"/g)].map((m) =>
    m[1]
      .replace(/&#x3D;/g, '=')
      .replace(/&amp;/g, '&')
      .replace(/&#x2F;/g, '/'),
  );
}

function isConfirmation(message: ReceivedMessage): boolean {
  return /\/subscriptions\/confirm\?token=/.test(String(message.parsed.html));
}

/** How many confirmation emails this address has received so far. */
export function confirmationCount(sink: SmtpSink, email: string): number {
  return sink.to(email).filter(isConfirmation).length;
}

/**
 * The `nth` confirmation email to this address, waiting for it (other emails, such as the welcome that
 * follows a confirmation, may arrive in between).
 */
export async function confirmationTo(sink: SmtpSink, email: string, nth = 1, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = sink.to(email).filter(isConfirmation);
    if (mails.length >= nth) {
      return mails[nth - 1];
    }
    if (Date.now() > deadline) {
      throw new Error(`Expected confirmation #${nth} to ${email}, got ${mails.length} after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
