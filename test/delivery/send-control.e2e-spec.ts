import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { insertEdition, insertReaders, insertRender, ledger, setEditionStatus, waitFor } from './ledger-fixtures';

const BATCH = 20;

describe('Controlling a send: pause, resume, cancel, rate limit', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    // A rate limit keeps the send slow enough to act on it halfway.
    t = await startTestApp({
      env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '60', DELIVERY_BATCH_SIZE: String(BATCH), SMTP_POOL_SIZE: '2' },
    });
  });
  afterEach(async () => {
    sink.clear();
    await t.dataSource.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE status = 'active'`);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  async function startSending(readers: number, prefix: string) {
    const list = await insertReaders(t.dataSource, { count: readers, prefix });
    const edition = await insertEdition(t.dataSource);
    await insertRender(t.dataSource, edition);
    await t.get(DeliveryQueue).queueEdition(edition);
    await setEditionStatus(t.dataSource, edition, 'sending');
    return { list, edition };
  }

  /** Waits until nothing more arrives for a second, then returns the count. */
  async function settled(): Promise<number> {
    let last = -1;
    while (sink.messages.length !== last) {
      last = sink.messages.length;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return last;
  }

  it('pause stops within one batch; resume finishes from the ledger without sending anyone twice', async () => {
    const { list, edition } = await startSending(200, 'pause-');
    await sink.waitForMessages(50, 30_000); // mid-way through the third batch
    await setEditionStatus(t.dataSource, edition, 'paused');
    const atPause = sink.messages.length;
    const afterPause = await settled();
    expect(afterPause - atPause).toBeLessThanOrEqual(BATCH);
    expect(afterPause).toBeLessThan(200);
    const rows = await ledger(t.dataSource, edition);
    // Claims the worker did not get to were handed back, without using up an attempt.
    expect(rows.filter((r) => r.status === 'sending')).toHaveLength(0);
    expect(rows.filter((r) => r.status === 'queued').every((r) => r.attempts === 0)).toBe(true);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(afterPause);

    await setEditionStatus(t.dataSource, edition, 'sending');
    await waitFor(
      async () => (await t.dataSource.query(`SELECT status FROM editions WHERE id = $1`, [edition]))[0].status,
      (s) => s === 'sent',
      60_000,
      'edition sent',
    );
    await settled();
    expect(sink.messages).toHaveLength(200);
    expect(list.every((r) => sink.to(r.email).length === 1)).toBe(true);
  });

  it('cancel stops within one batch and the edition stays cancelled', async () => {
    const { edition } = await startSending(200, 'cancel-');
    await sink.waitForMessages(50, 30_000); // mid-way through the third batch
    await setEditionStatus(t.dataSource, edition, 'cancelled');
    const atCancel = sink.messages.length;
    const afterCancel = await settled();
    expect(afterCancel - atCancel).toBeLessThanOrEqual(BATCH);
    expect(afterCancel).toBeLessThan(200);
    expect(new Set(sink.messages.map((m) => m.to[0])).size).toBe(afterCancel);
    const [row] = await t.dataSource.query(`SELECT status FROM editions WHERE id = $1`, [edition]);
    expect(row.status).toBe('cancelled');
    // The rows never sent stay in the ledger as skipped, saying why.
    const counts = await waitFor(
      () => t.get(DeliveryQueue).countsByStatus(edition),
      (c) => c.queued === 0,
      10_000,
      'unsent rows marked',
    );
    expect(counts).toMatchObject({ sent: afterCancel, sending: 0, queued: 0, skipped: 200 - afterCancel });
    const reasons = new Set(
      (await ledger(t.dataSource, edition)).filter((r) => r.status === 'skipped').map((r) => r.last_error),
    );
    expect([...reasons]).toEqual(['edition cancelled']);
  });

  it('holds SEND_RATE_PER_SECOND across two app instances sharing the database', async () => {
    // A second instance (its own worker, its own connection pool) on the same database draws from the same bucket.
    const second = await startTestApp({
      database: t.database,
      env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '60', DELIVERY_BATCH_SIZE: String(BATCH), SMTP_POOL_SIZE: '2' },
    });
    try {
      const started = Date.now();
      const { list, edition } = await startSending(240, 'rate-');
      await waitFor(
        async () => (await t.dataSource.query(`SELECT status FROM editions WHERE id = $1`, [edition]))[0].status,
        (s) => s === 'sent',
        60_000,
        'edition sent',
      );
      const elapsed = (Date.now() - started) / 1000;
      expect(list.every((r) => sink.to(r.email).length === 1)).toBe(true);
      // The bucket holds at most one second (60 tokens), so 240 messages need at least 3 s at 60/s together;
      // two unshared limits would allow 1.5 s.
      expect(elapsed).toBeGreaterThanOrEqual(2.9);
    } finally {
      await second.close();
    }
  });
});
