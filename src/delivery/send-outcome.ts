/** What the ledger does with a delivery after one send attempt. */
export type SendOutcome =
  | { kind: 'sent'; messageId: string }
  /** The recipient's server refused the address for good (5xx at RCPT): the reader is bounced. */
  | { kind: 'bounced'; error: string }
  /** Worth another try later: 4xx, a broken or refused connection, a timeout. */
  | { kind: 'retry'; error: string }
  /**
   * The server could not be reached at all (refused, DNS, TLS, no greeting or a 421 greeting): an outage of
   * the transport, not this reader's problem; it pauses all sending and uses no attempt.
   */
  | { kind: 'unreachable'; error: string }
  /** Will never work as things are (e.g. the server cannot take a UTF-8 address): failed now, not the reader's fault. */
  | { kind: 'failed'; error: string };

interface SmtpError {
  message?: string;
  code?: string;
  /** The system error under nodemailer's code (ECONNREFUSED under ESOCKET, ENOTFOUND under EDNS). */
  originalCode?: string;
  /** Which of nodemailer's timeouts fired (ETIMEDOUT). */
  timeoutType?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

/** Classifies a nodemailer/transport error. */
export function classifySendError(err: unknown): Exclude<SendOutcome, { kind: 'sent' }> {
  const e = (err ?? {}) as SmtpError;
  const error = describeError(e);
  if (isUnreachable(e)) {
    return { kind: 'unreachable', error };
  }
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (code !== undefined && code >= 500 && code < 600) {
    // A 5xx for the recipient (at RCPT TO) is about that address; a 5xx elsewhere (DATA, MAIL FROM) is about
    // us or the message, and bouncing the reader for it would punish the wrong party.
    const atRecipient = e.command === 'RCPT TO' || /recipients? (were )?rejected/i.test(e.message ?? '');
    return atRecipient ? { kind: 'bounced', error } : { kind: 'failed', error };
  }
  if (code !== undefined && code >= 400 && code < 500) {
    return { kind: 'retry', error };
  }
  if (e.code === 'EENVELOPE' && code === undefined) {
    // Rejected before any server answer: an address nodemailer itself cannot send to.
    return { kind: 'failed', error };
  }
  return { kind: 'retry', error };
}

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
]);

/**
 * A failure to reach the server before any transaction: no connection, no name, no TLS, no greeting, or a
 * greeting that refuses service (421/554). A connection lost mid-transaction is not one: it is that
 * message's attempt (the server may have seen it).
 */
function isUnreachable(e: SmtpError): boolean {
  if (e.code === 'EDNS' || e.code === 'ETLS') {
    return true;
  }
  if (CONNECT_ERRORS.has(e.originalCode ?? '') || CONNECT_ERRORS.has(e.code ?? '')) {
    return true;
  }
  if (e.code === 'ETIMEDOUT' && (e.timeoutType === 'CONNECT_TIMEOUT' || e.timeoutType === 'GREETING_TIMEOUT')) {
    return true;
  }
  return e.command === 'CONN' && /invalid greeting/i.test(e.message ?? '');
}

/** One line, no secrets: tokens in URLs are cut out and the text is capped. */
export function describeError(e: SmtpError): string {
  // The server's response already starts with its code.
  return trimError(e.response ?? [e.responseCode ?? e.code, e.message].filter(Boolean).join(' '));
}

export function trimError(text: string): string {
  return text
    .replace(/token=[^\s&>]+/gi, 'token=…')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** Delay before attempt `attempts + 1`: base × 2^(attempts − 1), capped at six hours. */
export function retryDelaySeconds(attempts: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 2 ** Math.max(0, attempts - 1), 6 * 3600);
}
