import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { WorkerProcess } from '../helpers/worker-process';
import { ledger, queueTestEdition, setEditionStatus, waitFor, waitForEditionSent } from './ledger-fixtures';

describe('Worker processes sharing one send', () => {
  let sink: SmtpSink;
  let t: TestApp;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    sink = await SmtpSink.start();
    // Web role: only the spawned processes send.
    t = await startTestApp({ env: { NASHRA_ROLE: 'web', SMTP_URL: sink.url } });
  });
  afterEach(async () => {
    workers.splice(0).forEach((w) => w.cleanup());
    sink.clear();
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

  it('a worker killed with SIGKILL mid-send, then restarted: everyone served, duplicates at most the batch in flight', async () => {
    const batch = 25;
    const env = {
      DELIVERY_BATCH_SIZE: String(batch),
      DELIVERY_LEASE_SECONDS: '5',
      // Slow enough to kill it mid-send, and a batch (1.25 s) long next to the gap between two batches.
      SEND_RATE_PER_SECOND: '20',
      SMTP_POOL_SIZE: '3',
    };
    const { list, edition } = await queueTestEdition(t, 200, 'crash-');
    const first = worker(env);
    await first.started();
    await setEditionStatus(t.dataSource, edition, 'sending');
    // 60 is mid-way through the third batch of 25 (a multiple of 25 would be the very end of one).
    await sink.waitForMessages(60, 60_000);
    // Kill while a batch is claimed (not in the moment between two batches).
    await waitFor(
      async () => (await ledger(t.dataSource, edition)).filter((r) => r.status === 'sending').length,
      (n) => n > 0,
      30_000,
      'a claimed batch',
    );
    first.kill('SIGKILL');
    await first.exited;
    await new Promise((r) => setTimeout(r, 300));
    const arrivedBeforeRestart = sink.messages.length;
    const atCrash = await ledger(t.dataSource, edition);
    const inFlight = atCrash.filter((r) => r.status === 'sending');
    expect(arrivedBeforeRestart).toBeLessThan(200);
    // The kill landed mid-batch: claimed rows were in flight.
    expect(inFlight.length).toBeGreaterThan(0);
    expect(inFlight.length).toBeLessThanOrEqual(batch);

    const second = worker(env);
    await second.started();
    await waitForEditionSent(t, edition, 90_000);
    second.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const perAddress = new Map<string, number>();
    sink.messages.forEach((m) => perAddress.set(m.to[0], (perAddress.get(m.to[0]) ?? 0) + 1));
    expect(list.every((r) => (perAddress.get(r.email) ?? 0) >= 1)).toBe(true);
    const duplicates = [...perAddress.entries()].filter(([, n]) => n > 1).map(([address]) => address);
    expect(sink.messages.length - list.length).toBe(duplicates.length);
    expect(duplicates.length).toBeLessThanOrEqual(batch);
    // Only rows that were in flight at the crash can have gone twice.
    const inFlightAddresses = new Set(inFlight.map((r) => list.find((reader) => reader.id === r.subscriber_id)!.email));
    expect(duplicates.every((address) => inFlightAddresses.has(address))).toBe(true);
    const final = await ledger(t.dataSource, edition);
    expect(final.every((r) => r.status === 'sent')).toBe(true);
    // A takeover costs no attempt: the ledger counts only what the SMTP server saw (issue 11, point 6).
    const emailOf = new Map(list.map((r) => [r.id, r.email]));
    expect(final.every((r) => r.attempts >= 1 && r.attempts <= sink.attemptsFor(emailOf.get(r.subscriber_id)!))).toBe(
      true,
    );
  });

  it('two worker processes on one send: zero duplicates, every reader served, both did part of the work', async () => {
    const env = { DELIVERY_BATCH_SIZE: '20', SMTP_POOL_SIZE: '3', DELIVERY_LEASE_SECONDS: '60' };
    const { list, edition } = await queueTestEdition(t, 500, 'pair-');
    const a = worker(env);
    const b = worker(env);
    await Promise.all([a.started(), b.started()]);
    await setEditionStatus(t.dataSource, edition, 'sending');
    await waitForEditionSent(t, edition, 90_000);
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);

    expect(sink.messages).toHaveLength(500);
    expect(new Set(sink.messages.map((m) => m.to[0])).size).toBe(500);
    expect(list.every((r) => sink.to(r.email).length === 1)).toBe(true);
    const [sentByA, sentByB] = [a.sentOnStop(), b.sentOnStop()];
    expect(sentByA).toBeGreaterThan(0);
    expect(sentByB).toBeGreaterThan(0);
    expect(sentByA + sentByB).toBe(500);
    // Progress went to the log (counts, rate, ETA), and no reader token did.
    const output = [...a.output, ...b.output];
    expect(
      output.some((l) =>
        /Edition \d+: \d+\/500 sent, \d+ failed, \d+ bounced, \d+ remaining, [\d.]+ msg\/s, ETA/.test(l),
      ),
    ).toBe(true);
    expect(output.filter((l) => /token=\d/.test(l))).toEqual([]);
  });

  it('SIGTERM mid-send: the worker finishes what is in flight, hands the rest back and exits 0', async () => {
    const { edition } = await queueTestEdition(t, 150, 'term-');
    const w = worker({ DELIVERY_BATCH_SIZE: '25', SEND_RATE_PER_SECOND: '20', SMTP_POOL_SIZE: '2' });
    await w.started();
    await setEditionStatus(t.dataSource, edition, 'sending');
    await sink.waitForMessages(35, 60_000); // mid-way through the second batch
    w.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    const rows = await ledger(t.dataSource, edition);
    expect(rows.filter((r) => r.status === 'sending')).toHaveLength(0);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(sink.messages.length);
    expect(new Set(sink.messages.map((m) => m.to[0])).size).toBe(sink.messages.length);
    // Handed back as they were: queued, no attempt used, ready for the next worker at once.
    const queued = rows.filter((r) => r.status === 'queued');
    expect(queued.length).toBe(150 - sink.messages.length);
    expect(queued.every((r) => r.attempts === 0)).toBe(true);
    expect(w.sentOnStop()).toBe(sink.messages.length);
  });
});
