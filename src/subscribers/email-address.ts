import { domainToASCII, domainToUnicode } from 'node:url';

export interface EmailAddress {
  /** As it is mailed: trimmed, NFC, domain lower-cased and in Unicode form (`قارئ@مثال.شبكة`). */
  email: string;
  /** The whole address lower-cased: one reader per key. */
  key: string;
  /** The domain's ASCII (punycode) form, which is what DNS and SMTP routing see. */
  asciiDomain: string;
}

// RFC 5322 atext plus any Unicode letter, mark or number (RFC 6531 UTF-8 local parts). Quoted local parts,
// comments and IP literals are legal but only ever seen from bots, and they are hard to mail safely.
const LOCAL_PART =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\p{L}\p{M}\p{N}-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\p{L}\p{M}\p{N}-]+)*$/u;
const ASCII_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TOP_LABEL = /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * Normalises a reader's address, or returns null when it cannot be mailed safely. Anything that could
 * smuggle a header (CR, LF), markup (`<`, `>`), a second recipient (`,`, `;`) or a display name is refused
 * rather than repaired.
 */
export function normaliseEmail(input: unknown): EmailAddress | null {
  if (typeof input !== 'string') {
    return null;
  }
  const trimmed = input.trim().normalize('NFC');
  if (trimmed.length === 0 || trimmed.length > 254 || /[\s\p{C}<>()[\]\\,;:"]/u.test(trimmed)) {
    return null;
  }
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || trimmed.indexOf('@') !== at) {
    return null;
  }
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1);
  if (Buffer.byteLength(local, 'utf8') > 64 || !LOCAL_PART.test(local)) {
    return null;
  }
  const asciiDomain = domainToASCII(domain.toLowerCase());
  if (!asciiDomain || asciiDomain.length > 253) {
    return null;
  }
  const labels = asciiDomain.split('.');
  if (labels.length < 2 || !labels.every((l) => ASCII_LABEL.test(l)) || !TOP_LABEL.test(labels[labels.length - 1])) {
    return null;
  }
  const unicodeDomain = domainToUnicode(asciiDomain);
  if (!unicodeDomain) {
    return null;
  }
  const email = `${local}@${unicodeDomain}`;
  if (Buffer.byteLength(`${local}@${asciiDomain}`, 'utf8') > 254) {
    return null;
  }
  return { email, key: email.toLowerCase(), asciiDomain };
}
