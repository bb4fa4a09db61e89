import { createHash, type Hash, randomBytes } from 'node:crypto';
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import {
  READER_PLACEHOLDERS,
  TRACKED_PLACEHOLDER_SOURCE,
  type TrackedLink,
  trackedLinkOf,
} from '../common/reader-placeholders';
import { relaxBody } from './dkim-signer';

/**
 * `<32 hex digits@sending domain>`: the delivery's random 128-bit key (deliveries.message_key, drawn at queue
 * time), so Message-IDs never repeat across installs, and a retry of one delivery keeps its Message-ID.
 */
export function deliveryMessageId(messageKey: string, domain: string): string {
  return `<${messageKey.replace(/-/g, '').toLowerCase()}@${domain}>`;
}

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
  /** Values of further body slots, by slot name (a slot without a value here is read from the fields above). */
  links?: Record<string, string>;
  /** The reader's URL of a tracked link (article links, open pixel); needed when the message has any. */
  trackedUrl?: (link: TrackedLink) => string;
}

export interface MessageContent {
  /** `Name <address>`, as in MAIL_FROM. */
  from: string;
  subject: string;
  html: string;
  text: string;
  /** `Name <list.id>` for List-Id. */
  listId: string;
  /** The newsletter (slug) the message belongs to: readers' one-click links end only that subscription. */
  newsletter?: string;
}

type LinkSlot = 'unsubscribeUrl' | 'preferencesUrl';
type HeaderSlot = 'to' | 'messageId' | 'date' | 'listUnsubscribe';
/**
 * A per-reader hole in the prebuilt bytes: a header value, or a reader link in a body (`qp`: in a
 * quoted-printable part, so the value is encoded and wrapped on its own lines). Any number of body slots may
 * exist: each is named after the ReaderFields property (or `links` entry) that fills it.
 */
interface Slot {
  name: HeaderSlot | string;
  qp: boolean;
  /** A tracked link (one per article, the open pixel): filled from `trackedUrl`; `name` is its placeholder. */
  link?: TrackedLink;
}

/**
 * `8bit` (UTF-8 as is; needs the server's 8BITMIME) keeps Arabic at 2 bytes a letter; `quoted-printable`
 * (any server) makes it 6. The bytes on the wire are most of a send's cost, so 8bit is preferred.
 */
export type BodyEncoding = '8bit' | 'quoted-printable';

/** Longest reader URL an 8bit line is folded to make room for (tokens make them ~110 bytes). */
const MAX_URL_BYTES = 400;
/** Below the 998-octet SMTP line limit, with room for the URLs substituted later. */
const MAX_8BIT_LINE = 900;
type Piece = Buffer | Slot;
const HEADER = (name: HeaderSlot): Slot => ({ name, qp: false });

const CRLF = '\r\n';
// One slot per reader placeholder in the bodies; the order matters only for the regular expression.
const BODY_SLOTS: Array<[string, LinkSlot | string]> = [
  [READER_PLACEHOLDERS.unsubscribeUrl, 'unsubscribeUrl'],
  [READER_PLACEHOLDERS.preferencesUrl, 'preferencesUrl'],
];
const PLACEHOLDER_PATTERN = new RegExp(`(${[...BODY_SLOTS.map(([p]) => p), TRACKED_PLACEHOLDER_SOURCE].join('|')})`);

/**
 * The MIME message of one (edition, segment), built once. Headers and both bodies are encoded up front;
 * each reader costs only a few substitutions written into one buffer, never a MIME build.
 *
 * Bodies are 8bit when the server offers 8BITMIME: lines longer than 900 octets are folded at a space (HTML
 * treats a line break there as the space it replaces), and each reader URL placeholder counts as 400 octets,
 * so no line can pass 998 after substitution. Otherwise quoted-printable: a placeholder is cut out as a slot
 * that starts and ends on its own soft-broken line, so the reader's URL (encoded and wrapped on its own) drops
 * in without breaking the 76-character rule or an `=XX` sequence.
 */
/** A reader's message ready for DKIM: its bytes, where its header block ends, and its body's hash. */
export interface SignableMessage {
  /** The message, starting `room` bytes into the caller's buffer (when it was large enough). */
  message: Buffer;
  /** Length of the header block (every field with its CRLF, without the blank line). */
  headerLength: number;
  /** SHA-256 of the body, which is already in relaxed canonical form. */
  bodyHash: Buffer;
}

export class PrebuiltMessage {
  /** SHA-256 state after the body's constant opening (up to its first per-reader value), when built for DKIM. */
  private readonly bodyPrefixHash?: Hash;
  /** Index of the first piece after the opening hashed in bodyPrefixHash. */
  private readonly firstBodySlot: number;
  /** Byte length of each slot's value in the last render (read by renderForSigning right after it). */
  private readonly slotLengths: number[] = [];

  private constructor(
    private readonly pieces: Piece[],
    readonly encoding: BodyEncoding,
    /** Index of the piece the body starts with (the header block and blank line are the pieces before it). */
    private readonly bodyIndex: number,
    canonical: boolean,
    /** The newsletter's slug, when the message belongs to one (its one-click link ends only that subscription). */
    readonly newsletter?: string,
  ) {
    let i = bodyIndex;
    if (canonical) {
      this.bodyPrefixHash = createHash('sha256');
      for (; i < pieces.length && Buffer.isBuffer(pieces[i]); i++) {
        this.bodyPrefixHash.update(pieces[i] as Buffer);
      }
    }
    this.firstBodySlot = i;
  }

  /**
   * With `dkim`, the body's fixed bytes are put in relaxed canonical form (runs of spaces as one, none before a
   * line break: what a verifier hashes), so a reader's body hash is a plain SHA-256 over their bytes, of which the
   * opening up to the first reader link is hashed here once.
   */
  static build(content: MessageContent, encoding: BodyEncoding = '8bit', { dkim = false } = {}): PrebuiltMessage {
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
    slot(HEADER('to'));
    push(`${CRLF}Subject: ${encodeHeaderText(content.subject)}${CRLF}Date: `);
    slot(HEADER('date'));
    push(`${CRLF}Message-ID: `);
    slot(HEADER('messageId'));
    push(`${CRLF}List-Id: ${encodeAddressHeader(content.listId)}${CRLF}List-Unsubscribe: `);
    slot(HEADER('listUnsubscribe'));
    push(
      `${CRLF}List-Unsubscribe-Post: List-Unsubscribe=One-Click${CRLF}` +
        `MIME-Version: 1.0${CRLF}` +
        `Content-Type: multipart/alternative; boundary="${boundary}"${CRLF}${CRLF}`,
    );
    pieces.push(Buffer.from(pending, 'utf8'));
    pending = '';
    const bodyIndex = pieces.length;
    for (const [type, body] of [
      ['text/plain', content.text],
      ['text/html', content.html],
    ] as const) {
      const normalised = body.replace(/\r?\n/g, CRLF);
      const folded = encoding === '8bit' ? foldLongLines(normalised) : null;
      const partEncoding = folded === null ? 'quoted-printable' : '8bit';
      push(
        `--${boundary}${CRLF}Content-Type: ${type}; charset=utf-8${CRLF}` +
          `Content-Transfer-Encoding: ${partEncoding}${CRLF}${CRLF}`,
      );
      (folded ?? normalised).split(PLACEHOLDER_PATTERN).forEach((part, i) => {
        const tracked = i % 2 === 1 ? (trackedLinkOf(part) ?? undefined) : undefined;
        const link = tracked ? part : i % 2 === 1 ? BODY_SLOTS.find(([p]) => p === part)![1] : undefined;
        if (partEncoding === '8bit') {
          return link ? slot({ name: link, qp: false, link: tracked }) : push(part);
        }
        if (link) {
          push('=' + CRLF);
          slot({ name: link, qp: true, link: tracked });
          push('=' + CRLF);
        } else {
          push(qpWrap(qpEncode(Buffer.from(part, 'utf8')), 76));
        }
      });
      push(CRLF);
    }
    push(`--${boundary}--${CRLF}`);
    pieces.push(Buffer.from(pending, 'utf8'));
    if (dkim) {
      for (let i = bodyIndex; i < pieces.length; i++) {
        const piece = pieces[i];
        if (Buffer.isBuffer(piece)) {
          pieces[i] = relaxBody(piece);
        }
      }
    }
    return new PrebuiltMessage(pieces, encoding, bodyIndex, dkim, content.newsletter);
  }

  /**
   * The reader's message written `room` bytes into `into` (so the signature fields can go in front of it without
   * a copy), with what DKIM needs: the header block's length and the body's hash, finished from the hash of the
   * body's constant opening (a copy of its state) over the rest of this reader's bytes. Only for a message
   * built with `dkim`.
   */
  renderForSigning(reader: ReaderFields, into: Buffer | undefined, room: number): SignableMessage {
    if (!this.bodyPrefixHash) {
      throw new Error('this message was not built for DKIM signing');
    }
    const target = into && into.length > room ? into.subarray(room) : undefined;
    const message = this.render(reader, target);
    let offset = 0;
    let headerLength = 0;
    // Offsets of the body's start and first reader value: the header's slots make them differ per reader.
    for (let i = 0; i < this.firstBodySlot; i++) {
      if (i === this.bodyIndex) {
        headerLength = offset - 2;
      }
      const piece = this.pieces[i];
      offset += Buffer.isBuffer(piece) ? piece.length : this.slotLengths[i];
    }
    const bodyHash = this.bodyPrefixHash.copy().update(message.subarray(offset)).digest();
    return { message, headerLength, bodyHash };
  }

  /**
   * The complete message for one reader: each slot's value is measured, then the fixed pieces are copied and
   * the values written once into one buffer of the exact length. With `into` (a buffer the caller reuses from
   * one message to the next) large enough, the message is written there and a view of it is returned, so a
   * send allocates nothing per message.
   */
  render(reader: ReaderFields, into?: Buffer): Buffer {
    const values: string[] = new Array<string>(this.pieces.length);
    // A tracked link stands in both bodies (and an article's headline and picture share one): sign it once.
    const trackedUrls = new Map<string, string>();
    let length = 0;
    for (let i = 0; i < this.pieces.length; i++) {
      const piece = this.pieces[i];
      if (Buffer.isBuffer(piece)) {
        length += piece.length;
      } else {
        const value = slotValue(piece, reader, trackedUrls);
        values[i] = value;
        const bytes = Buffer.byteLength(value, 'utf8');
        this.slotLengths[i] = bytes;
        length += bytes;
      }
    }
    const out = into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
    let offset = 0;
    for (let i = 0; i < this.pieces.length; i++) {
      const piece = this.pieces[i];
      offset += Buffer.isBuffer(piece) ? piece.copy(out, offset) : out.write(values[i], offset, 'utf8');
    }
    return out;
  }
}

function slotValue(slot: Slot, reader: ReaderFields, trackedUrls: Map<string, string>): string {
  switch (slot.name) {
    case 'to':
      return reader.to;
    case 'messageId':
      return reader.messageId;
    case 'date':
      return reader.date;
    case 'listUnsubscribe':
      return `<${reader.unsubscribeUrl}>` + (reader.unsubscribeMailto ? `,${CRLF} <${reader.unsubscribeMailto}>` : '');
  }
  const url = slot.link
    ? trackedUrlOf(slot.name, slot.link, reader, trackedUrls)
    : (reader.links?.[slot.name] ?? (reader as unknown as Record<string, string | undefined>)[slot.name]);
  if (url === undefined) {
    throw new Error(`no value for the reader slot ${slot.name}`);
  }
  // 75 leaves room for the soft break that follows the slot.
  return slot.qp ? qpWrap(qpEncode(url), 75) : checkedUrl(url);
}

function trackedUrlOf(placeholder: string, link: TrackedLink, reader: ReaderFields, cache: Map<string, string>) {
  let url = cache.get(placeholder);
  if (url === undefined) {
    if (!reader.trackedUrl) {
      throw new Error('the message has tracked links but the reader has no trackedUrl');
    }
    url = reader.trackedUrl(link);
    cache.set(placeholder, url);
  }
  return url;
}

function checkedUrl(url: string): string {
  if (Buffer.byteLength(url, 'utf8') > MAX_URL_BYTES) {
    throw new Error(`reader URL longer than ${MAX_URL_BYTES} bytes; PUBLIC_BASE_URL is too long`);
  }
  return url;
}

/**
 * Folds lines over MAX_8BIT_LINE octets at spaces; null when a line has no space to fold at (the part is then
 * sent quoted-printable instead).
 */
export function foldLongLines(body: string): string | null {
  const placeholders = new RegExp(PLACEHOLDER_PATTERN.source, 'g');
  const cost = (s: string) => Buffer.byteLength(s) + (s.match(placeholders)?.length ?? 0) * MAX_URL_BYTES;
  const lines = body.split(CRLF);
  const out: string[] = [];
  for (const line of lines) {
    if (cost(line) <= MAX_8BIT_LINE) {
      out.push(line);
      continue;
    }
    let current = '';
    for (const word of line.split(' ')) {
      if (cost(word) > MAX_8BIT_LINE) {
        return null;
      }
      const joined = current ? `${current} ${word}` : word;
      if (current && cost(joined) > MAX_8BIT_LINE) {
        out.push(current);
        current = word;
      } else {
        current = joined;
      }
    }
    out.push(current);
  }
  return out.join(CRLF);
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
