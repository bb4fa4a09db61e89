import { RECORD_LAG_LIMIT } from '../../src/delivery/delivery-batch';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { TranspiledApp } from '../helpers/transpiled-app';
import { WorkerProcess } from '../helpers/worker-process';
import { ledger, queueTestEdition, setEditionStatus, waitForEditionSent } from './ledger-fixtures';

const READERS = 5000;
const KILLS = 10;
const POOL = 5;
/** Messages each worker has accepted before it is killed: ten lives of this leave most of the send to the last. */
const SENT_PER_LIFE = 300;

/**
 * Issue 19, point 6 and "repeats bounded by what was in flight": ten kill -9 during one 5,000-reader send, each
 * worker process killed at full speed (no rate limit) once it has had SENT_PER_LIFE messages accepted, the next
 * one started at once, on the default lease (120 s). The app is transpiled once for the eleven processes
 * (the run's shared TranspiledApp), so a restart costs the app's own start, not ts-node's compile. The dead worker's claims are taken over at once (its
 * holder lock is free), so the send finishes long before one lease could run out; no reader is missing, and
 * each kill repeats at most SMTP_POOL_SIZE + RECORD_LAG_LIMIT messages: those on a connection when it died, and
 * those accepted but not yet written back (a connection holds its next message back while RECORD_LAG_LIMIT
 * of them wait).
 */
describe('Ten kill -9 during one send', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let app: TranspiledApp;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    app = TranspiledApp.shared();
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { NASHRA_ROLE: 'web', SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    workers.forEach((w) => w.cleanup());
    await t?.close();
    await sink?.stop();
  });

  it('no reader missing, and each kill repeats at most SMTP_POOL_SIZE + RECORD_LAG_LIMIT messages', async () => {
    const { list, edition } = await queueTestEdition(t, READERS, 'ten-kills-');
    await setEditionStatus(t.dataSource, edition, 'sending');
    const env = { SMTP_POOL_SIZE: String(POOL), LOG_LEVEL: 'warn' };
    /** sink.messages index at which each worker's life began (after the previous one was dead). */
    const lifeStarts: number[] = [];
    for (let life = 0; life <= KILLS; life++) {
      const w = new WorkerProcess(t, sink.url, env, { main: app.main });
      workers.push(w);
      lifeStarts.push(sink.messages.length);
      if (life === KILLS) {
        break;
      }
      await sink.waitForMessages(lifeStarts[life] + SENT_PER_LIFE, 120_000);
      w.kill('SIGKILL');
      await w.exited;
    }
    await waitForEditionSent(t, edition, 120_000);

    // No reader missing, and every row sent.
    const received = new Map<string, number>();
    sink.messages.forEach((m) => received.set(m.to[0], (received.get(m.to[0]) ?? 0) + 1));
    expect(list.filter((r) => !received.has(r.email))).toEqual([]);
    expect((await ledger(t.dataSource, edition)).filter((r) => r.status !== 'sent')).toEqual([]);

    // A repeat is a message to an address that already had one; those of kill k arrive in life k + 1.
    const seen = new Set<string>();
    const repeatsPerLife = lifeStarts.map(() => 0);
    sink.messages.forEach((m, index) => {
      const life = lifeStarts.filter((start) => start <= index).length - 1;
      if (seen.has(m.to[0])) {
        repeatsPerLife[life]++;
      }
      seen.add(m.to[0]);
    });
    const repeatsPerKill = repeatsPerLife.slice(1);
    console.log(
      `${sink.messages.length} messages to ${READERS} readers; repeats per kill: ${repeatsPerKill.join(', ')} ` +
        `(bound ${POOL + RECORD_LAG_LIMIT})`,
    );
    expect(repeatsPerLife[0]).toBe(0);
    expect(repeatsPerKill.filter((n) => n > POOL + RECORD_LAG_LIMIT)).toEqual([]);
    expect(sink.messages.length - READERS).toBe(repeatsPerKill.reduce((a, b) => a + b, 0));
  }, 300_000);
});
