import { createHash, createPrivateKey, KeyObject, sign } from 'node:crypto';

/** One signing key: RSA (rsa-sha256) or Ed25519 (ed25519-sha256, RFC 8463), told apart by the key itself. */
export interface DkimKey {
  domain: string;
  selector: string;
  privateKey: KeyObject;
}

/**
 * The headers each signature covers, those of a prebuilt message (PrebuiltMessage), in the order they are
 * hashed. A header the message lacks is left out of h= rather than signed as absent.
 */
export const SIGNED_HEADERS = [
  'from',
  'to',
  'subject',
  'date',
  'message-id',
  'list-id',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'mime-version',
  'content-type',
];

const CRLF = '\r\n';
const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;

/** A private key from its PEM text (PKCS#1 or PKCS#8; RSA or Ed25519), with a clear error for anything else. */
export function dkimPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`a DKIM key must be RSA or Ed25519, not ${key.asymmetricKeyType}`);
  }
  return key;
}

/**
 * Relaxed body canonicalisation (RFC 6376 3.4.4) of bytes that are a whole body or a stretch of one between
 * per-reader values: runs of spaces and tabs become one space, and spaces and tabs before a line break go.
 * (Trailing empty lines are not removed: a prebuilt body ends with its closing MIME boundary.) A single pass,
 * linear whatever the input.
 */
export function relaxBody(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  let pendingSpace = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === SP || c === TAB) {
      pendingSpace = true;
      continue;
    }
    if (pendingSpace && !(c === CR && bytes[i + 1] === LF)) {
      out[n++] = SP;
    }
    pendingSpace = false;
    out[n++] = c;
  }
  if (pendingSpace) {
    out[n++] = SP;
  }
  return out.subarray(0, n);
}

/** Relaxed header canonicalisation of one field: `name:value`, unfolded, spaces collapsed, trimmed. */
function relaxedHeader(name: string, value: string): string {
  let v = '';
  let space = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === CR || c === LF) {
      continue;
    }
    if (c === SP || c === TAB) {
      space = true;
      continue;
    }
    if (space && v.length > 0) {
      v += ' ';
    }
    space = false;
    v += value[i];
  }
  return `${name.toLowerCase()}:${v}`;
}

/** The header block's fields by lower-case name (the last of a repeated name, as DKIM signs bottom-up). */
function headerFields(header: string): Map<string, string> {
  const fields = new Map<string, string>();
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(CRLF, start);
    // A line that starts with a space or tab continues the field above it.
    while (end !== -1 && (header[end + 2] === ' ' || header[end + 2] === '\t')) {
      end = header.indexOf(CRLF, end + 2);
    }
    if (end === -1) {
      end = header.length;
    }
    const line = header.slice(start, end);
    const colon = line.indexOf(':');
    if (colon > 0) {
      fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1));
    }
    start = end + 2;
  }
  return fields;
}

/** `b=` folded into lines of 72 characters (verifiers ignore whitespace in b=). */
function folded(base64: string): string {
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 72) {
    lines.push(base64.slice(i, i + 72));
  }
  return lines.join(`${CRLF} `);
}

function signAsync(algorithm: string | null, data: Buffer, key: KeyObject): Promise<Buffer> {
  // With a callback, node:crypto signs on libuv's thread pool, off the event loop that feeds the sockets.
  return new Promise((resolve, reject) =>
    sign(algorithm, data, key, (err, signature) => (err ? reject(err) : resolve(signature))),
  );
}

/**
 * DKIM signatures (relaxed/relaxed) for messages whose body hash the caller already has: a prebuilt message
 * hashes its constant body once and finishes the hash per reader (PrebuiltMessage.renderForSigning), so a
 * signature costs one SHA-256 over the ~1 KB of signed headers and one private-key operation, on the thread
 * pool. With several keys (RSA and Ed25519), every message carries one DKIM-Signature per key: receivers that
 * do not know ed25519-sha256 ignore that one and verify the RSA one (RFC 8463 section 4, RFC 6376 section 6.1).
 */
export class DkimSigner {
  constructor(
    private readonly keys: DkimKey[],
    private readonly clock: () => Date = () => new Date(),
  ) {
    if (keys.length === 0) {
      throw new Error('a DKIM signer needs at least one key');
    }
  }

  /**
   * The DKIM-Signature header fields (each ending in CRLF) to put in front of the message whose header block
   * (every field, each ending in CRLF, without the blank line) is `header` and whose relaxed-canonical body
   * has the SHA-256 `bodyHash`.
   */
  async signatureFields(header: Buffer | string, bodyHash: Buffer): Promise<Buffer> {
    const fields = headerFields(typeof header === 'string' ? header : header.toString('latin1'));
    const names = SIGNED_HEADERS.filter((n) => fields.has(n));
    const canonical = names.map((n) => relaxedHeader(n, fields.get(n)!) + CRLF).join('');
    const time = Math.floor(this.clock().getTime() / 1000);
    const bh = bodyHash.toString('base64');
    const signed = await Promise.all(
      this.keys.map(async (key) => {
        const rsa = key.privateKey.asymmetricKeyType === 'rsa';
        const value =
          `v=1; a=${rsa ? 'rsa' : 'ed25519'}-sha256; c=relaxed/relaxed; d=${key.domain}; s=${key.selector};` +
          `${CRLF} t=${time}; h=${names.join(':')};${CRLF} bh=${bh};${CRLF} b=`;
        const data = Buffer.from(canonical + relaxedHeader('DKIM-Signature', value), 'latin1');
        const signature = rsa
          ? await signAsync('sha256', data, key.privateKey)
          : // ed25519-sha256 signs the SHA-256 of the canonical headers with PureEdDSA (RFC 8463 section 3).
            await signAsync(null, createHash('sha256').update(data).digest(), key.privateKey);
        return `DKIM-Signature: ${value}${folded(signature.toString('base64'))}${CRLF}`;
      }),
    );
    return Buffer.from(signed.join(''), 'latin1');
  }

  /** Signs a whole message (header block, blank line, body) in one go: for tests and one-off messages. */
  async signMessage(message: Buffer): Promise<Buffer> {
    const split = message.indexOf('\r\n\r\n');
    const header = message.subarray(0, split + 2);
    let body = relaxBody(message.subarray(split + 4));
    // Relaxed: no empty lines at the end, one CRLF after a non-empty body.
    let end = body.length;
    while (end >= 2 && body[end - 2] === CR && body[end - 1] === LF) {
      end -= 2;
    }
    body = end === 0 ? body.subarray(0, 0) : Buffer.concat([body.subarray(0, end), Buffer.from(CRLF)]);
    const bodyHash = createHash('sha256').update(body).digest();
    return Buffer.concat([await this.signatureFields(header, bodyHash), message]);
  }
}
