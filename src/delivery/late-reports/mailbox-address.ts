/** Where the bounce mailbox is, from BOUNCE_IMAP_URL (`imaps://user:password@host:993/INBOX`). */
export interface MailboxAddress {
  host: string;
  port: number;
  /** imaps: TLS from the first byte; imap: STARTTLS when the server offers it. */
  secure: boolean;
  user: string;
  password: string;
  mailbox: string;
  /** The URL without its password, the only form that may be logged. */
  redacted: string;
}

export function mailboxAddress(raw: string): MailboxAddress {
  const url = new URL(raw);
  const secure = url.protocol === 'imaps:';
  if (!secure && url.protocol !== 'imap:') {
    throw new Error('BOUNCE_IMAP_URL must be an imap:// or imaps:// URL');
  }
  const user = decodeURIComponent(url.username);
  const mailbox = decodeURIComponent(url.pathname.replace(/^\/+/, '')) || 'INBOX';
  const port = url.port ? Number(url.port) : secure ? 993 : 143;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return {
    host,
    port,
    secure,
    user,
    password: decodeURIComponent(url.password),
    mailbox,
    redacted: `${url.protocol}//${url.username ? `${url.username}:***@` : ''}${url.host}/${encodeURIComponent(mailbox)}`,
  };
}
