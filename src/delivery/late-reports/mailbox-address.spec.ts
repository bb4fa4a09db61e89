import { mailboxAddress } from './mailbox-address';

describe('mailboxAddress (BOUNCE_IMAP_URL)', () => {
  it('reads imaps:// with an encoded user and password, and never shows the password', () => {
    const address = mailboxAddress('imaps://bounces%40example.net:p%40ss%2Fw0rd@imap.example.net/Bounces');
    expect(address).toEqual({
      host: 'imap.example.net',
      port: 993,
      secure: true,
      user: 'bounces@example.net',
      password: 'p@ss/w0rd',
      mailbox: 'Bounces',
      redacted: 'imaps://bounces%40example.net:***@imap.example.net/Bounces',
    });
    expect(address.redacted).not.toContain('p%40ss');
  });

  it('defaults: imap:// on 143, INBOX', () => {
    expect(mailboxAddress('imap://u:secret@127.0.0.1')).toMatchObject({ port: 143, secure: false, mailbox: 'INBOX' });
  });
});
