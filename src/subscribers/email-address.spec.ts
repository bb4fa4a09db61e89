import { normaliseEmail } from './email-address';

describe('normaliseEmail', () => {
  it('trims, lower-cases the domain and keeps the local part as typed', () => {
    expect(normaliseEmail('  Reader.Name@Example.COM ')).toEqual({
      email: 'Reader.Name@example.com',
      key: 'reader.name@example.com',
      asciiDomain: 'example.com',
    });
  });

  it('gives Reader@Example.COM and reader@example.com the same key', () => {
    expect(normaliseEmail('Reader@Example.COM')?.key).toBe(normaliseEmail('reader@example.com')?.key);
  });

  it('accepts an Arabic local part at an internationalised domain, in Unicode form', () => {
    const address = normaliseEmail('قارئ@مثال.شبكة');
    expect(address).toEqual({
      email: 'قارئ@مثال.شبكة',
      key: 'قارئ@مثال.شبكة',
      asciiDomain: 'xn--mgbh0fb.xn--ngbc5azd',
    });
  });

  it('shows a punycode domain to readers in its Unicode form', () => {
    expect(normaliseEmail('reader@XN--MGBH0FB.xn--ngbc5azd')?.email).toBe('reader@مثال.شبكة');
  });

  it('composes decomposed Unicode (NFC) so the same address has one key', () => {
    const decomposed = 'cafe\u0301@example.com';
    expect(normaliseEmail(decomposed)?.key).toBe('caf\u00e9@example.com');
  });

  it.each([
    ['empty', ''],
    ['no at sign', 'reader.example.com'],
    ['two at signs', 'a@b@example.com'],
    ['no domain dot', 'reader@localhost'],
    ['empty label', 'reader@example..com'],
    ['leading dot', '.reader@example.com'],
    ['double dot in local part', 'rea..der@example.com'],
    ['header injection', 'reader@example.com\r\nBcc: victim@example.org'],
    ['line feed only', 'reader@example.com\nX: y'],
    ['markup', '<script>@example.com'],
    ['display name', 'Reader <reader@example.com>'],
    ['second recipient', 'a@example.com,b@example.com'],
    ['space inside', 'rea der@example.com'],
    ['hyphen at label start', 'reader@-example.com'],
    ['numeric top label', 'reader@example.123'],
    ['local part over 64 octets', `${'a'.repeat(65)}@example.com`],
    ['address over 254 chars', `reader@${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(61)}.com`],
    ['not a string', 42],
  ])('refuses %s', (_name, input) => {
    expect(normaliseEmail(input)).toBeNull();
  });
});
