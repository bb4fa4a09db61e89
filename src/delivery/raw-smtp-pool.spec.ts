import { wireForm } from './raw-smtp-pool';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('wireForm: a message as it goes after DATA', () => {
  it('leaves a message with CRLF line breaks and no line starting with a dot as it is (the same buffer)', () => {
    const message = b('Subject: t\r\n\r\nline one.\r\n a . inside\r\n');
    expect(wireForm(message)).toBe(message);
  });

  it('doubles the dot that starts a line, the first line and a lone dot line included', () => {
    const out = wireForm(b('.first\r\n\r\n.\r\n..two\r\nmid.dle\r\n.'));
    expect(out?.toString('latin1')).toBe('..first\r\n\r\n..\r\n...two\r\nmid.dle\r\n..');
  });

  it('gives null for a bare LF or a bare CR, which only a full pass can make CRLF', () => {
    expect(wireForm(b('a\nb\r\n'))).toBeNull();
    expect(wireForm(b('a\rb\r\n'))).toBeNull();
    expect(wireForm(b('\nb'))).toBeNull();
    expect(wireForm(b('a\r'))).toBeNull();
  });
});
