import { randomBytes } from 'node:crypto';
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { READER_PLACEHOLDERS } from '../common/reader-placeholders';

/** The parts of a message that differ per reader. */
export interface ReaderFields {
  /** The address as it goes in the To header (already in the form the envelope uses). */
  to: string;
  messageId: string;
  /** RFC 5322 date, see `mailDate()`. */
  date: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
  /** `mailto:` URL for List-Unsubscribe, when configured. */
  unsubscribeMailto?: string;
}

export interface MessageContent {
  /** `Name <address>`, as in MAIL_FROM. */
  from: string;
  subject: string;
  html: string;
  text: string;
  /** `Name <list.id>` for List-Id. */
  listId: string;
}

type Slot = 'to' | 'messageId' | 'date' | 'listUnsubscribe' | 'unsubscribeUrl' | 'preferencesUrl';
type Piece = Buffer | Slot;

const CRLF = '\r\n';
// One slot per reader placeholder in the bodies; the order matters only for the regular expression.
const BODY_SLOTS: Array<[string, Slot]> = [
  [READER_PLACEHOLDERS.unsubscribeUrl, 'unsubscribeUrl'],
  [READER_PLACEHOLDERS.preferencesUrl, 'preferencesUrl'],
];
const PLACEHOLDER_PATTERN = new RegExp(`(${BODY_SLOTS.map(([p]) => p).join('|')})`);

/**
 * The MIME message of one (edition, segment), built once. Headers and both bodies are encoded up front;
 * each reader costs only a few substitutions and a Buffer.concat, never a MIME build.
 *
 * Bodies are quoted-printable (7-bit safe on every server). A placeholder in the body is cut out as a slot
 * that always starts and ends on its own soft-broken line, so the reader's URL (quoted-printable encoded and
 * wrapped on its own) can be dropped in without breaking the 76-character line rule or an `=XX` sequence.
 */
export class PrebuiltMessage {
  private constructor(private readonly pieces: Piece[]) {}

  static build(content: MessageContent): PrebuiltMessage {
    const boundary = `----nashra-${randomBytes(12).toString('hex')}`;
    const pieces: Piece[] = [];
    let pending = '';
    const push = (value: string) => {
      pending += value;
    };
    const slot = (name: Slot) => {
      pieces.push(Buffer.from(pending, 'utf8'), name);
      pending = '';
    };

    push(`From: ${encodeAddressHeader(content.from)}${CRLF}To: `);
    slot('to');
    push(`${CRLF}Subject: ${encodeHeaderText(content.subject)}${CRLF}Date: `);
    slot('date');
    push(`${CRLF}Message-ID: `);
    slot('messageId');
    push(`${CRLF}List-Id: ${encodeAddressHeader(content.listId)}${CRLF}List-Unsubscribe: `);
    slot('listUnsubscribe');
    push(
      `${CRLF}List-Unsubscribe-Post: List-Unsubscribe=One-Click${CRLF}` +
        `MIME-Version: 1.0${CRLF}` +
        `Content-Type: multipart/alternative; boundary="${boundary}"${CRLF}${CRLF}`,
    );
    for (const [type, body] of [
      ['text/plain', content.text],
      ['text/html', content.html],
    ] as const) {
      push(
        `--${boundary}${CRLF}Content-Type: ${type}; charset=utf-8${CRLF}` +
          `Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`,
      );
      const parts = body.replace(/\r?\n/g, CRLF).split(PLACEHOLDER_PATTERN);
      parts.forEach((part, i) => {
        if (i % 2 === 1) {
          push('=' + CRLF);
          slot(BODY_SLOTS.find(([p]) => p === part)![1]);
          push('=' + CRLF);
          return;
        }
        push(qpWrap(qpEncode(Buffer.from(part, 'utf8')), 76));
      });
      push(CRLF);
    }
    push(`--${boundary}--${CRLF}`);
    pieces.push(Buffer.from(pending, 'utf8'));
    return new PrebuiltMessage(pieces);
  }

  /** The complete message for one reader. */
  render(reader: ReaderFields): Buffer {
    const values: Record<Slot, Buffer> = {
      to: Buffer.from(reader.to, 'utf8'),
      messageId: Buffer.from(reader.messageId, 'latin1'),
      date: Buffer.from(reader.date, 'latin1'),
      listUnsubscribe: Buffer.from(
        `<${reader.unsubscribeUrl}>` + (reader.unsubscribeMailto ? `,${CRLF} <${reader.unsubscribeMailto}>` : ''),
        'latin1',
      ),
      // 75 leaves room for the soft break that follows the slot.
      unsubscribeUrl: Buffer.from(qpWrap(qpEncode(reader.unsubscribeUrl), 75), 'latin1'),
      preferencesUrl: Buffer.from(qpWrap(qpEncode(reader.preferencesUrl), 75), 'latin1'),
    };
    return Buffer.concat(this.pieces.map((p) => (Buffer.isBuffer(p) ? p : values[p])));
  }
}

/** RFC 5322 date in UTC, e.g. `Tue, 24 Nov 2026 22:28:24 +0000`. */
export function mailDate(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** UTF-8 header text as RFC 2047 encoded words, folded between words so no line passes 78 characters. */
export function encodeHeaderText(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value) && value.length < 900) {
    return value;
  }
  return encodeWord(value, 'B', 52).split('?= =?').join(`?=${CRLF} =?`);
}

/** `Name <addr>` with the name encoded when it is not plain ASCII. */
export function encodeAddressHeader(value: string): string {
  const match = /^\s*"?(.*?)"?\s*<([^>]+)>\s*$/.exec(value);
  if (!match) {
    return value.trim();
  }
  const [, name, address] = match;
  if (!name) {
    return `<${address}>`;
  }
  const plain = /^[\x20-\x7e]*$/.test(name);
  return `${plain ? `"${name.replace(/["\\]/g, '\\$&')}"` : encodeHeaderText(name)} <${address}>`;
}
