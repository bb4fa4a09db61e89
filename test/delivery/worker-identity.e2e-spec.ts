import { TransactionalRepository } from '../../src/delivery/transactional-repository';
import { LIVE_HOLDERS_SQL, WorkerIdentity } from '../../src/delivery/worker-identity';
import { startTestApp, TestApp } from '../helpers/test-app';
import { waitFor } from '../helpers/wait-for';

/**
 * Issue 19, point 6: a worker process's holder id and its advisory lock, on real PostgreSQL. A claim takes a
 * `sending` row at once when its holder's lock is free, never while it is held (then only the lease frees it);
 * a lock connection that breaks frees the lock, and the process takes a fresh id.
 */
describe('Worker identity: claims of a gone process are taken at once', () => {
  let t: TestApp;
  let identity: WorkerIdentity;

  beforeAll(async () => {
    // Web role: no worker loop claims anything behind the test's back.
    t = await startTestApp({ env: { NASHRA_ROLE: 'web' } });
    identity = t.get(WorkerIdentity);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function liveHolders(): Promise<number[]> {
    const [row]: Array<{ ids: number[] }> = await t.dataSource.query(`SELECT ${LIVE_HOLDERS_SQL} AS ids`);
    return row.ids;
  }

  it('a claim takes the row of a holder whose lock is free, and leaves a live holder its row until the lease', async () => {
    const me = await identity.holder();
    expect(await liveHolders()).toEqual([me]);
    const gone = me + 1000; // never locked: the process that stamped it is gone
    await t.dataSource.query(
      `INSERT INTO transactional_messages (kind, recipient, status, subject, html, text, lease_expires_at, claimed_by)
       VALUES ('confirmation', 'live-holder@example.net', 'sending', 's', 'h', 't', now() + interval '1 hour', $1),
              ('confirmation', 'gone-holder@example.net', 'sending', 's', 'h', 't', now() + interval '1 hour', $2),
              ('confirmation', 'no-holder@example.net', 'sending', 's', 'h', 't', now() + interval '1 hour', NULL)`,
      [me, gone],
    );
    const claimed = await t.get(TransactionalRepository).claim(20, 120, me);
    expect(claimed.map((m) => m.recipient)).toEqual(['gone-holder@example.net']);
    const [row]: Array<{ claimed_by: number }> = await t.dataSource.query(
      `SELECT claimed_by FROM transactional_messages WHERE recipient = 'gone-holder@example.net'`,
    );
    expect(row.claimed_by).toBe(me);
  });

  it('a broken lock connection frees the lock, and the next claim takes a fresh id', async () => {
    const first = await identity.holder();
    await t.dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = 'nashra worker lock' AND datname = current_database()`,
    );
    await waitFor(
      async () => identity.current,
      (current) => current === undefined,
      10_000,
      'the lost lock noticed',
    );
    expect(await liveHolders()).toEqual([]);
    const second = await identity.holder();
    expect(second).not.toBe(first);
    expect(await liveHolders()).toEqual([second]);
  });
});
