import type { DataSource } from 'typeorm';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { insertEdition, insertRender, setEditionStatus } from '../delivery/ledger-fixtures';
import { editionState, waitForEditionToStop } from '../factories/deliveries';
import { subscribeReaders } from '../factories/readers';
import { postBounceReport } from '../helpers/bounce-webhook';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { waitFor } from '../helpers/wait-for';

const SECRET = 'bounce-webhook-secret-0123456789';

/** `count` active readers of the daily; reader i's address is at `domainOf(i)`. */
async function insertReadersAt(ds: DataSource, prefix: string, count: number, domainOf: (i: number) => string) {
  const domains = Array.from({ length: count }, (_, i) => domainOf(i + 1));
  const rows: Array<{ id: string; email: string }> = await ds.query(
    `INSERT INTO subscribers (email, email_key, status, frequency, topics, confirmed_at)
     SELECT $1 || i || '@' || d, lower($1 || i || '@' || d), 'active', 'daily', '{}', now()
     FROM unnest($2::text[]) WITH ORDINALITY AS x(d, i) ORDER BY i
     RETURNING id::text, email`,
    [prefix, domains],
  );
  // Readers receive the editions of the newsletters they are subscribed to (issue 21): these take the daily.
  await subscribeReaders(
    ds,
    rows.map((r) => r.id),
    ['daily'],
  );
  return rows;
}

/**
 * Issue 25: an edition stops before complaints (or one provider's bounces) ruin the domain's reputation. A real
 * send through a real SMTP server at 40 messages a second; reports arrive through the signed webhook meanwhile.
 */
describe('Deliverability: automatic pause on complaints and on one provider’s hard bounces', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        SMTP_URL: sink.url,
        SEND_RATE_PER_SECOND: '40',
        DELIVERY_BATCH_SIZE: '20',
        SMTP_POOL_SIZE: '2',
        BOUNCE_WEBHOOK_SECRET: SECRET,
      },
    });
  });
  afterEach(async () => {
    sink.clear();
    sink.rule = undefined;
    await t.dataSource.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE status = 'active'`);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const complain = (body: Record<string, string>) =>
    postBounceReport(t.baseUrl, SECRET, { type: 'complaint', ...body });
  const edition = (id: string) => editionState(t.dataSource, id);
  const sentCount = async (id: string) =>
    Number(
      (
        await t.dataSource.query(`SELECT count(*) AS n FROM deliveries WHERE edition_id = $1 AND status = 'sent'`, [id])
      )[0].n,
    );

  async function startSending(readers: Array<{ id: string }>) {
    const id = await insertEdition(t.dataSource);
    await insertRender(t.dataSource, id);
    await t.get(DeliveryQueue).queueEdition(id);
    await setEditionStatus(t.dataSource, id, 'sending');
    expect(readers.length).toBeGreaterThan(0);
    return id;
  }

  it('an edition to 1,000 readers pauses after 7 complaints among its first few hundred delivered, naming Gmail', async () => {
    // Nine in ten readers at Gmail, one in ten at Outlook.com.
    const readers = await insertReadersAt(t.dataSource, 'fbl-', 1000, (i) =>
      i % 10 === 0 ? 'hotmail.com' : 'gmail.com',
    );
    const id = await startSending(readers);
    await sink.waitForMessages(120, 30_000);
    // Seven Gmail readers among the first delivered mark it as spam: four reports by address, three by the
    // Message-ID alone (feedback loops often redact the address).
    const gmail = sink.messages.filter((m) => m.to[0].endsWith('@gmail.com')).slice(0, 7);
    for (const m of gmail.slice(0, 4)) {
      await complain({ email: m.to[0] });
    }
    for (const m of gmail.slice(4)) {
      await complain({ email: 'redacted@gmail.com', messageId: m.parsed.messageId! });
    }
    const paused = await waitFor(
      () => edition(id),
      (e) => e.status === 'paused',
      30_000,
      'edition paused',
    );
    expect(paused.reason).toMatch(/complaints/);
    expect(paused.reason).toContain('Gmail');
    expect(paused.reason).toContain('7 complaints');
    const atPause = await sentCount(id);
    expect(atPause).toBeGreaterThanOrEqual(200);
    expect(atPause).toBeLessThan(600);
    const counts = await t.dataSource.query(
      `SELECT provider, complaints FROM provider_counts WHERE edition_id = $1 AND complaints > 0`,
      [id],
    );
    expect(counts).toEqual([{ provider: 'gmail', complaints: 7 }]);
    // The same report again (a provider's retry) does not count twice.
    await complain({ email: gmail[0].to[0] });
    expect(
      (await t.dataSource.query(`SELECT sum(complaints)::int AS n FROM provider_counts WHERE edition_id = $1`, [id]))[0]
        .n,
    ).toBe(7);

    // Resuming is the editor's call, and the same numbers do not pause the edition again: it finishes.
    await setEditionStatus(t.dataSource, id, 'sending');
    const done = await waitForEditionToStop(t.dataSource, id, 60_000, 'edition finished');
    expect(done.status).toBe('sent');
    expect(await sentCount(id)).toBe(1000);
  });

  it('a small send pauses from its 2nd complaint', async () => {
    const readers = await insertReadersAt(t.dataSource, 'small-', 60, () => 'yahoo.com');
    const id = await startSending(readers);
    await sink.waitForMessages(10, 30_000);
    await complain({ email: sink.messages[0].to[0] });
    await complain({ email: sink.messages[1].to[0] });
    const paused = await waitForEditionToStop(t.dataSource, id, 30_000);
    expect(paused.status).toBe('paused');
    expect(paused.reason).toContain('Yahoo/AOL');
  });

  it('pauses when one provider refuses too many addresses, naming it, while the edition as a whole is under the limit', async () => {
    // One reader in ten at Outlook.com, and Outlook refuses half of them: 5 % of the edition, 50 % of Outlook.
    const readers = await insertReadersAt(t.dataSource, 'hb-', 600, (i) =>
      i % 10 === 0 ? 'outlook.com' : 'gmail.com',
    );
    sink.rule = (address) =>
      address.endsWith('@outlook.com') && Number(/\d+/.exec(address)![0]) % 20 === 0
        ? { code: 550, message: '5.1.1 mailbox unavailable' }
        : undefined;
    const id = await startSending(readers);
    const paused = await waitForEditionToStop(t.dataSource, id, 60_000);
    expect(paused.status).toBe('paused');
    expect(paused.reason).toContain('hard bounces at Outlook');
    expect(await sentCount(id)).toBeLessThan(590);
  });
});
