import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BounceMailbox, MailboxPollResult, NOT_A_REPORT_KEYWORD } from '../../src/delivery/late-reports/bounce-mailbox';
import { AppProcess, temporaryVarDir } from '../helpers/app-process';
import { describeImap, TestImapServer } from '../helpers/imap-server';
import { createTestDatabase } from '../helpers/test-database';
import { startTestApp, TestApp } from '../helpers/test-app';
import { waitFor } from '../helpers/wait-for';
import { insertEdition, insertReader, ledger } from './ledger-fixtures';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'bounces', name), 'utf8');

const READERS = {
  hard: 'sami.haddad@example.org', // dsn-hard.eml: 550 5.1.1 user unknown
  soft: 'noor.ali@example.com', // dsn-soft.eml: 4.2.2 mailbox full, twice
  softOnce: 'huda.nasser@example.com', // the same report once
  complaint: 'layla.karim@example.net', // arf-abuse.eml (recipient only in the returned message's To)
  autoReply: 'omar.saleh@example.org', // auto-reply.eml: not a report
  redacted: 'karim.aziz@example.org', // arf-abuse.eml with the recipient redacted: found by its Message-ID
  bystander: 'rana.yousef@example.org',
};

/**
 * Issue 11, "Done when": a DSN and an ARF report dropped in a real IMAP mailbox (Dovecot, started here) mark
 * the right readers bounced and complained; soft bounces count toward SOFT_BOUNCE_LIMIT; a message that is
 * not a report is left unread for a person; nothing is handled twice.
 */
describeImap('Bounce mailbox (real IMAP server)', () => {
  let imap: TestImapServer;
  let t: TestApp;
  const ids: Record<string, string> = {};
  let edition: string;

  beforeAll(async () => {
    imap = await TestImapServer.start();
    t = await startTestApp({
      env: { BOUNCE_IMAP_URL: imap.url, BOUNCE_IMAP_POLL_SECONDS: '5', SOFT_BOUNCE_LIMIT: '2' },
    });
    for (const [key, email] of Object.entries(READERS)) {
      ids[key] = await insertReader(t.dataSource, email);
    }
    // Last night's edition, sent to the reader whose address is gone and to one who is fine.
    edition = await insertEdition(t.dataSource, { status: 'sent' });
    for (const [key, messageKey] of [
      ['hard', '6f1d2c3b-4a59-48e7-9c0d-1e2f3a4b5c6d'], // the Message-ID dsn-hard.eml returns
      ['bystander', '00000000-0000-4000-8000-000000000001'],
      ['redacted', '2c3d4e5f-6a7b-4c8d-9e0f-a1b2c3d4e5f6'],
    ]) {
      await t.dataSource.query(
        `INSERT INTO deliveries (edition_id, subscriber_id, segment_key, status, attempts, sent_at, message_key)
         VALUES ($1::bigint, $2::bigint, 'all', 'sent', 1, now(), $3::uuid)`,
        [edition, ids[key], messageKey],
      );
    }
    const dsnSoft = fixture('dsn-soft.eml');
    await imap.append(
      fixture('dsn-hard.eml'),
      dsnSoft,
      // Still full a week later: another message, a second soft bounce.
      dsnSoft.replace(/0a1b2c3d4e5f40718293a4b5c6d7e8f9/g, '1b2c3d4e5f6a40718293a4b5c6d7e8f0'),
      dsnSoft.replace(/noor\.ali@example\.com/g, READERS.softOnce),
      fixture('arf-abuse.eml'),
      fixture('arf-abuse.eml')
        .replace('To: layla.karim@example.net', 'To: redacted@redacted.invalid')
        .replace('9e8d7c6b5a4940e3b2c1d0e9f8a7b6c5', '2c3d4e5f6a7b4c8d9e0fa1b2c3d4e5f6'),
      fixture('auto-reply.eml'),
    );
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await imap?.stop();
  });

  const readers = async () => {
    const rows: Array<{ id: string; status: string; soft_bounces: number }> = await t.dataSource.query(
      `SELECT id::text, status, soft_bounces FROM subscribers ORDER BY id`,
    );
    type Row = { status: string; soft_bounces: number };
    const byKey = Object.fromEntries(Object.entries(ids).map(([key, id]) => [key, rows.find((r) => r.id === id)!]));
    return byKey as unknown as Record<keyof typeof READERS, Row>;
  };

  it('marks the hard-bounced reader and delivery bounced, the complainer complained, and no one else', async () => {
    const after = await waitFor(
      readers,
      (r) =>
        r.hard.status === 'bounced' &&
        r.complaint.status === 'complained' &&
        r.redacted.status === 'complained' &&
        r.soft.status === 'bounced',
      90_000,
      'the mailbox reports to be applied',
    );
    expect(after.softOnce).toMatchObject({ status: 'active', soft_bounces: 1 });
    expect(after.autoReply.status).toBe('active');
    expect(after.bystander).toMatchObject({ status: 'active', soft_bounces: 0 });

    const rows = new Map((await ledger(t.dataSource, edition)).map((r) => [r.subscriber_id, r]));
    expect(rows.get(ids.hard)!.status).toBe('bounced');
    expect(rows.get(ids.bystander)!.status).toBe('sent');
  });

  it('flags the reports \\Seen, leaves the auto-reply unread, and handles nothing twice', async () => {
    const messages = await waitFor(
      () => imap.messages(),
      (list) =>
        list.filter((m) => m.flags.includes('\\Seen')).length === 6 &&
        list.some((m) => m.flags.includes(NOT_A_REPORT_KEYWORD)),
      60_000,
      'six reports flagged seen, the auto-reply marked as not a report',
    );
    const autoReply = messages.find((m) => !m.flags.includes('\\Seen'))!;
    expect(autoReply.subject).toBe('خارج المكتب');
    expect(autoReply.flags).toContain(NOT_A_REPORT_KEYWORD);

    // Every later poll finds nothing new (a poll that reread the reports would never get here), and the soft
    // bounce counted once stays counted once.
    const poll = await waitFor<MailboxPollResult>(
      () => t.get(BounceMailbox).poll(),
      (r) => r.ran && r.seen === 0,
      60_000,
      'a poll that ran',
    );
    expect(poll).toEqual({ ran: true, seen: 0, reports: 0, skipped: 0 });
    expect((await readers()).softOnce).toMatchObject({ status: 'active', soft_bounces: 1 });
  });

  it('a worker process logs the mailbox and its failures without the password', async () => {
    const database = await createTestDatabase();
    const varDir = temporaryVarDir();
    const wrongPassword = 'wrong-imap-password-5d8c1f';
    const app = AppProcess.start({
      NASHRA_ROLE: 'worker',
      DATABASE_URL: database.url,
      VAR_DIR: varDir,
      BOUNCE_IMAP_URL: imap.url.replace(encodeURIComponent(imap.password), wrongPassword),
      BOUNCE_IMAP_POLL_SECONDS: '5',
    });
    try {
      await app.waitFor(/Bounce mailbox [^\n]*poll failed[^\n]*refused the user name or password/, 90_000);
      expect(app.log).toMatch(/Polling the bounce mailbox imap:\/\/bounces:\*\*\*@127\.0\.0\.1:\d+\/INBOX every 5 s/);
      expect(app.log).not.toContain(wrongPassword);
    } finally {
      await app.kill();
      await database.drop();
      rmSync(varDir, { recursive: true, force: true });
    }
  });
});
