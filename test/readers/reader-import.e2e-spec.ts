import { Suppressions } from '../../src/subscribers/suppressions';
import { ReaderImporter } from '../../src/subscribers/import/reader-importer';
import { ReaderImportRepository } from '../../src/subscribers/import/reader-import.repository';
import { readersCsv, uploadedFile } from '../factories/reader-csv';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('Readers: CSV import (Mailchimp, listmonk, Substack, plain)', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  async function importText(text: string, options: { trustConsent?: boolean; fileName?: string } = {}) {
    const importer = t.get(ReaderImporter);
    const job = await importer.start({
      uploadedPath: uploadedFile(text),
      fileName: options.fileName ?? 'readers.csv',
      frequency: 'daily',
      trustConsent: options.trustConsent ?? false,
      startedBy: 'editor@nashra.test',
    });
    await importer.settled(job.id);
    return (await t.get(ReaderImportRepository).find(job.id))!;
  }

  const statusOf = async (email: string) =>
    (
      (await t.dataSource.query('SELECT status FROM subscribers WHERE email_key = $1', [email])) as Array<{
        status: string;
      }>
    )[0]?.status;

  it('imports 294 of 300 rows as pending with a confirmation each, reports the 6 bad lines, and adds nothing the second time', async () => {
    const csv = readersCsv('bulk', 300, 6);
    sink.clear();
    const first = await importText(csv.text);
    expect(first).toMatchObject({
      status: 'done',
      format: 'plain',
      rowsRead: 300,
      importedPending: 294,
      importedActive: 0,
      skippedExisting: 0,
      badRows: 6,
      confirmationsSent: 294,
    });
    expect(first.errors.map((e) => e.line)).toEqual(csv.badLines);
    const [{ pending }] = (await t.dataSource.query(
      `SELECT count(*)::int AS pending FROM subscribers
       WHERE status = 'pending' AND email_key LIKE '%@bulk.example.net' AND confirmation_sent_at IS NOT NULL`,
    )) as Array<{ pending: number }>;
    expect(pending).toBe(294);
    await sink.waitForMessages(294, 60_000);
    expect(new Set(sink.messages.flatMap((m) => m.to)).size).toBe(294);
    const sample = sink.to(csv.good[10])[0];
    expect(sample.parsed.subject).toBeTruthy();
    expect(sample.parsed.html).toMatch(/\/subscriptions\/confirm\?token(=|&#x3D;)[A-Za-z0-9_-]{43}/);

    sink.clear();
    const second = await importText(csv.text);
    expect(second).toMatchObject({ status: 'done', importedPending: 0, skippedExisting: 294, badRows: 6 });
    expect(sink.messages).toHaveLength(0);
  }, 120_000);

  it('skips erased, unsubscribed and bounced addresses, and readers already subscribed stay as they are', async () => {
    await t.get(Suppressions).add('erased@skip.example.net', 'erased');
    await t.dataSource.query(
      `INSERT INTO subscribers (email, email_key, status) VALUES
         ('left@skip.example.net', 'left@skip.example.net', 'unsubscribed'),
         ('bounced@skip.example.net', 'bounced@skip.example.net', 'bounced'),
         ('active@skip.example.net', 'active@skip.example.net', 'active')`,
    );
    const job = await importText(
      'Email,Name\nERASED@skip.example.net,a\nleft@skip.example.net,b\nbounced@skip.example.net,c\n' +
        'Active@Skip.example.net,d\nnew@skip.example.net,e\nnew@skip.example.net,e\n',
    );
    expect(job).toMatchObject({ importedPending: 1, skippedSuppressed: 3, skippedExisting: 2, badRows: 0 });
    expect(await statusOf('erased@skip.example.net')).toBeUndefined();
    expect(await statusOf('left@skip.example.net')).toBe('unsubscribed');
    expect(await statusOf('active@skip.example.net')).toBe('active');
    expect(await statusOf('new@skip.example.net')).toBe('pending');
  });

  it('reads a Mailchimp export: consent confirmed in the file makes a reader active only when the editor trusts it', async () => {
    const mailchimp =
      '\uFEFF"Email Address","First Name","Last Name",MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP\n' +
      'confirmed@mc.example.net,سارة,,2,"2024-01-02 10:00:00",,"2024-01-02 10:05:00",203.0.113.9\n' +
      'unconfirmed@mc.example.net,علي,,2,"2024-01-02 10:00:00",,,\n';
    const cautious = await importText(mailchimp);
    expect(cautious).toMatchObject({ format: 'mailchimp', importedPending: 2, importedActive: 0 });

    const trusting = await importText(mailchimp.replaceAll('@mc.', '@mc2.'), { trustConsent: true });
    expect(trusting).toMatchObject({ format: 'mailchimp', importedPending: 1, importedActive: 1 });
    expect(await statusOf('confirmed@mc2.example.net')).toBe('active');
    expect(await statusOf('unconfirmed@mc2.example.net')).toBe('pending');
    const [{ consent }] = (await t.dataSource.query('SELECT consent FROM subscribers WHERE email_key = $1', [
      'confirmed@mc2.example.net',
    ])) as Array<{ consent: Record<string, unknown> }>;
    expect(consent).toMatchObject({ source: 'import', confirmedAt: '2024-01-02 10:05:00', importId: trusting.id });
  });

  it('reads listmonk and Substack exports by their headers, and refuses a file without an email column', async () => {
    const listmonk = await importText(
      'uuid,email,name,attributes,status,created_at,updated_at\n' +
        '1,lm1@lm.example.net,A,"{""city"": ""بغداد""}",enabled,2024-01-01,2024-01-01\n' +
        '2,lm2@lm.example.net,B,{},blocklisted,2024-01-01,2024-01-01\n',
    );
    expect(listmonk).toMatchObject({ format: 'listmonk', importedPending: 1, skippedSuppressed: 1 });
    const substack = await importText(
      'email,active_subscription,expiry,plan,email_disabled,created_at\nss@ss.example.net,false,,,false,2024-03-01\n',
    );
    expect(substack).toMatchObject({ format: 'substack', importedPending: 1 });
    const headless = await importText('bare1@plain.example.net\nbare2@plain.example.net,weekly\n');
    expect(headless).toMatchObject({ format: 'plain', importedPending: 2 });
    const nonsense = await importText('name,city\nعلي,بغداد\n');
    expect(nonsense.status).toBe('failed');
    expect(nonsense.failure).toContain('عمود البريد');
  });

  it('resumes an import a stopped process left mid-file: no reader twice, the unsent confirmations sent', async () => {
    const csv = readersCsv('resume', 200, 0);
    const [job] = (await t.dataSource.query(
      `INSERT INTO reader_imports (status, file_name, file_path, started_by, rows_read, last_line, imported_pending,
                                   confirmations_sent, updated_at)
       VALUES ('running', 'resume.csv', $1, 'editor@nashra.test', 100, 101, 100, 90, now() - interval '10 minutes')
       RETURNING id`,
      [uploadedFile(csv.text)],
    )) as Array<{ id: string }>;
    // The first 100 rows were committed; the process stopped after mailing 90 of them.
    for (const [i, email] of csv.good.slice(0, 100).entries()) {
      await t.dataSource.query(
        `INSERT INTO subscribers (email, email_key, status, consent, confirmation_sent_at)
         VALUES ($1, $1, 'pending', $2, $3)`,
        [email, JSON.stringify({ source: 'import', importId: job.id }), i < 90 ? new Date() : null],
      );
    }
    sink.clear();
    const importer = t.get(ReaderImporter);
    await importer.resumeAbandoned();
    await importer.settled(job.id);
    const done = (await t.get(ReaderImportRepository).find(job.id))!;
    expect(done).toMatchObject({ status: 'done', rowsRead: 200, importedPending: 200, skippedExisting: 0 });
    expect(done.confirmationsSent).toBe(200);
    await sink.waitForMessages(110);
    const recipients = sink.messages.flatMap((m) => m.to);
    expect(new Set(recipients).size).toBe(110);
    expect(recipients).toContain(csv.good[95]); // left unmailed by the stop
    expect(recipients).not.toContain(csv.good[5]); // mailed before it
    const [{ n }] = (await t.dataSource.query(
      `SELECT count(*)::int AS n FROM subscribers WHERE email_key LIKE '%@resume.example.net'`,
    )) as Array<{ n: number }>;
    expect(n).toBe(200);
  });
});
