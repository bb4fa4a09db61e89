import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { WorkerProcess } from '../helpers/worker-process';
import { ledger, queueTestEdition, setEditionStatus, waitFor, waitForEditionSent } from './ledger-fixtures';

/**
 * Issue 11, points 5 and 6: a lease never runs out under a live worker (heartbeat), and a takeover after a
 * crash does not cost the reader an attempt. Real worker processes, a real (slow) SMTP server.
 */
describe('Leases and attempts under slow servers and crashes', () => {
  let sink: SmtpSink;
  let t: TestApp;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { NASHRA_ROLE: 'web', SMTP_URL: sink.url } });
  });
  afterEach(async () => {
    workers.splice(0).forEach((w) => w.cleanup());
    sink.clear();
    sink.dataDelayMs = 0;
    await t.dataSource.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE status = 'active'`);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  function worker(env: Record<string, string>): WorkerProcess {
    const w = new WorkerProcess(t, sink.url, env);
    workers.push(w);
    return w;
  }

  it('a tarpit server (2.5 s per DATA) and a 5 s lease, two workers: no reader gets two copies', async () => {
    sink.dataDelayMs = 2500;
    // A batch of 10 on 2 connections takes ~12 s: well past the lease, which only the heartbeat keeps alive.
    const env = { DELIVERY_LEASE_SECONDS: '5', DELIVERY_BATCH_SIZE: '10', SMTP_POOL_SIZE: '2' };
    const { list, edition } = await queueTestEdition(t, 16, 'tarpit-');
    const a = worker(env);
    const b = worker(env);
    await Promise.all([a.started(), b.started()]);
    await setEditionStatus(t.dataSource, edition, 'sending');
    // While the first messages are stalled, the claimed rows' leases are pushed forward by the heartbeat.
    const firstLease = await waitFor(
      async () =>
        (
          await t.dataSource.query(
            `SELECT max(lease_expires_at) AS l FROM deliveries WHERE edition_id = $1 AND status = 'sending'`,
            [edition],
          )
        )[0].l as Date | null,
      (l) => l !== null,
      30_000,
      'a claim',
    );
    await waitFor(
      async () =>
        (
          await t.dataSource.query(
            `SELECT max(lease_expires_at) AS l FROM deliveries WHERE edition_id = $1 AND status = 'sending'`,
            [edition],
          )
        )[0].l as Date | null,
      (l) => l !== null && l.getTime() > firstLease!.getTime(),
      10_000,
      'a renewed lease',
    );
    await waitForEditionSent(t, edition, 120_000);

    expect(sink.messages).toHaveLength(16);
    expect(list.every((r) => sink.to(r.email).length === 1)).toBe(true);
    const rows = await ledger(t.dataSource, edition);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('three kill -9 during one send: no reader has more attempts than the SMTP server saw for them', async () => {
    const env = {
      DELIVERY_BATCH_SIZE: '10',
      DELIVERY_LEASE_SECONDS: '5',
      SEND_RATE_PER_SECOND: '20',
      SMTP_POOL_SIZE: '2',
    };
    const { list, edition } = await queueTestEdition(t, 120, 'kill-');
    await setEditionStatus(t.dataSource, edition, 'sending');
    for (let kill = 1; kill <= 3; kill++) {
      const w = worker(env);
      await w.started();
      const before = sink.messages.length;
      await sink.waitForMessages(before + 5, 60_000);
      await waitFor(
        async () => (await ledger(t.dataSource, edition)).filter((r) => r.status === 'sending').length,
        (n) => n > 0,
        30_000,
        'a claimed batch',
      );
      w.kill('SIGKILL');
      await w.exited;
    }
    const inFlight = (await ledger(t.dataSource, edition)).filter((r) => r.status === 'sending');
    expect(inFlight.length).toBeGreaterThan(0);
    const last = worker(env);
    await last.started();
    await waitForEditionSent(t, edition, 120_000);

    const rows = await ledger(t.dataSource, edition);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const email = new Map(list.map((r) => [r.id, r.email]));
    const over = rows.filter((r) => r.attempts > sink.attemptsFor(email.get(r.subscriber_id)!));
    expect(over).toEqual([]);
    expect(rows.every((r) => r.attempts >= 1)).toBe(true);
    expect(list.every((r) => sink.to(r.email).length >= 1)).toBe(true);
  });

  it('a worker killed beside a live one: the live one, already walking past its rows, goes back for them', async () => {
    // Each worker's claims walk on from the last row it claimed (ClaimCursor); the dead worker's rows lie behind
    // the live one's cursor, so only its walk from the front, once nothing lies ahead, can send them.
    const env = {
      DELIVERY_BATCH_SIZE: '10',
      DELIVERY_LEASE_SECONDS: '5',
      SEND_RATE_PER_SECOND: '30',
      SMTP_POOL_SIZE: '2',
    };
    // Each message takes 300 ms, so a batch of 10 on 2 connections holds its claim for about 1.5 s: when the
    // worker is killed it holds one, and the live worker is still walking ahead when the test looks.
    sink.dataDelayMs = 300;
    const { list, edition } = await queueTestEdition(t, 40, 'behind-');
    const a = worker(env);
    const b = worker(env);
    await Promise.all([a.started(), b.started()]);
    await setEditionStatus(t.dataSource, edition, 'sending');
    await sink.waitForMessages(6, 60_000);
    a.kill('SIGKILL');
    await a.exited;
    const orphans = (await ledger(t.dataSource, edition)).filter((r) => r.status === 'sending');
    expect(orphans.length).toBeGreaterThan(0);
    await waitForEditionSent(t, edition, 120_000);

    const rows = await ledger(t.dataSource, edition);
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    expect(list.every((r) => sink.to(r.email).length >= 1)).toBe(true);
  });
});
