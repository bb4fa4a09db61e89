import { subscribeReaders } from '../factories/readers';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { ReputationWatch } from '../../src/deliverability/reputation-watch';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { insertEdition, insertRender, setEditionStatus, waitForEditionSent } from '../delivery/ledger-fixtures';
import { postBounceReport } from '../helpers/bounce-webhook';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';

const SECRET = 'bounce-webhook-secret-0123456789';

/** The numbers of one provider's row in the rates table of a page: delivered, complaints, hard, soft. */
function rowOf(html: string, provider: string): number[] | null {
  const row = new RegExp(`<tr data-provider="${provider}">([\\s\\S]*?)</tr>`).exec(html)?.[1];
  if (!row) {
    return null;
  }
  return [...row.matchAll(/<td class="num">(?:<span[^>]*>)?([\d,]+)/g)].map((m) => Number(m[1].replace(/,/g, '')));
}

async function moveReaders(ds: DataSource, ids: string[], domain: string) {
  await ds.query(
    `UPDATE subscribers SET email = split_part(email, '@', 1) || '@' || $2,
                            email_key = lower(split_part(email, '@', 1) || '@' || $2) WHERE id = ANY($1::bigint[])`,
    [ids, domain],
  );
}

/**
 * Issue 25: complaints, hard and soft bounces by mailbox provider, per edition and over 30 days, kept as counts
 * when each is recorded, and shown on the dashboard and the edition's screen with Gmail's bulk-sender status.
 */
describe('Deliverability: rates by mailbox provider', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let agent: ReturnType<typeof request.agent>;
  let edition: string;

  const report = (body: Record<string, unknown>) => postBounceReport(t.baseUrl, SECRET, body);

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { SMTP_URL: sink.url, BOUNCE_WEBHOOK_SECRET: SECRET } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    agent = request.agent(t.baseUrl);
    await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });

    // 20 readers at Gmail, 10 at Outlook.com (2 of them refused at SMTP time), 10 elsewhere.
    const readers: Array<{ id: string }> = await t.dataSource.query(
      `INSERT INTO subscribers (email, email_key, status, frequency, topics, confirmed_at)
       SELECT 'rate' || i || '@example.org', 'rate' || i || '@example.org', 'active', 'daily', '{}', now()
       FROM generate_series(1, 40) i ORDER BY i RETURNING id::text`,
    );
    // Readers of the daily (issue 21: an edition reaches its newsletter's subscribers).
    await subscribeReaders(
      t.dataSource,
      readers.map((r) => r.id),
      ['daily'],
    );
    await moveReaders(
      t.dataSource,
      readers.slice(0, 20).map((r) => r.id),
      'gmail.com',
    );
    await moveReaders(
      t.dataSource,
      readers.slice(20, 30).map((r) => r.id),
      'outlook.com',
    );
    sink.rule = (address) =>
      /^rate2[12]@outlook\.com$/.test(address) ? { code: 550, message: '5.1.1 no such mailbox' } : undefined;
    edition = await insertEdition(t.dataSource);
    await insertRender(t.dataSource, edition);
    await t.get(DeliveryQueue).queueEdition(edition);
    await setEditionStatus(t.dataSource, edition, 'sending');
    await waitForEditionSent(t, edition, 60_000);

    await report({ type: 'complaint', email: 'rate1@gmail.com' });
    await report({ type: 'bounce', email: 'rate2@gmail.com', permanent: false });
    await report({ type: 'bounce', email: 'rate35@example.org' });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it("shows the edition's complaints and bounces by provider on its screen", async () => {
    const page = (await agent.get(`/admin/editions/${edition}`).expect(200)).text;
    expect(page).toContain('الشكاوى والارتدادات حسب مزوّد البريد');
    expect(rowOf(page, 'gmail')).toEqual([20, 1, 0, 1]);
    expect(rowOf(page, 'outlook')).toEqual([8, 0, 2, 0]);
    expect(rowOf(page, 'other')).toEqual([10, 0, 1, 0]);
    expect(rowOf(page, 'all')).toEqual([38, 1, 3, 1]);
    expect(page).toContain('5.00%'); // 1 complaint of 20 delivered at Gmail
  });

  it('shows 30 days of rates by provider on the dashboard, under the Gmail bulk-sender line', async () => {
    const page = (await agent.get('/admin').expect(200)).text;
    expect(rowOf(page, 'gmail')).toEqual([20, 1, 0, 1]);
    expect(rowOf(page, 'all')).toEqual([38, 1, 3, 1]);
    expect(page).toContain('دون حد المرسل الجماعي لدى Gmail');
  });

  it('a repeated report counts once', async () => {
    await report({ type: 'complaint', email: 'rate1@gmail.com' });
    await report({ type: 'bounce', email: 'rate2@gmail.com', permanent: false });
    const page = (await agent.get(`/admin/editions/${edition}`).expect(200)).text;
    expect(rowOf(page, 'gmail')).toEqual([20, 1, 0, 1]);
  });

  it('more than 5,000 delivered to Gmail in a day shows Gmail bulk-sender status', async () => {
    // 5,000 more written back to Gmail readers today, through the workers' own recording path.
    const big = await insertEdition(t.dataSource, { status: 'sent' });
    const rows: Array<{ id: string }> = await t.dataSource.query(
      `WITH r AS (
         INSERT INTO subscribers (email, email_key, status, frequency, topics, confirmed_at)
         SELECT 'bulk' || i || '@gmail.com', 'bulk' || i || '@gmail.com', 'active', 'daily', '{}', now()
         FROM generate_series(1, 5000) i RETURNING id)
       INSERT INTO deliveries (edition_id, subscriber_id, segment_key, status, attempts, sent_at)
       SELECT $1, id, 'all', 'sent', 1, now() FROM r RETURNING id::text`,
      [big],
    );
    await t.get(ReputationWatch).writtenBack(rows.map((r) => ({ id: r.id, editionId: big, status: 'sent' })));
    const page = (await agent.get('/admin').expect(200)).text;
    expect(rowOf(page, 'gmail')).toEqual([5020, 1, 0, 1]);
    expect(page).toContain('مرسل جماعي لدى Gmail');
    expect(page).toContain('أُرسلت 5020 رسالة إلى Gmail');
  });
});
