import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/app-config';
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

describe('BOUNCE_IMAP_URL validation', () => {
  it('refuses a URL that is not imap(s):// at start-up, without repeating the password', () => {
    const varDir = mkdtempSync(join(tmpdir(), 'nashra-config-'));
    try {
      expect(() =>
        loadConfig({ VAR_DIR: varDir, BOUNCE_IMAP_URL: 'https://bounces:hunter2-secret@imap.example.net' }),
      ).toThrow(/BOUNCE_IMAP_URL: BOUNCE_IMAP_URL must be an imap/);
      let message = '';
      try {
        loadConfig({ VAR_DIR: varDir, BOUNCE_IMAP_URL: 'imaps://bounces:hunter2-secret@' });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/BOUNCE_IMAP_URL/);
      expect(message).not.toContain('hunter2');
      expect(
        loadConfig({ VAR_DIR: varDir, BOUNCE_IMAP_URL: 'imaps://u:p@imap.example.net/INBOX' }).bounces.imapUrl,
      ).toBe('imaps://u:p@imap.example.net/INBOX');
    } finally {
      rmSync(varDir, { recursive: true, force: true });
    }
  });
});
