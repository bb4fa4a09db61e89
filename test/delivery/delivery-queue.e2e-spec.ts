import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { startTestApp, TestApp } from '../helpers/test-app';
import { insertArticle, insertEdition, insertReader, insertReaders, ledger, setEditionStatus } from './ledger-fixtures';

describe('DeliveryQueue (the ledger, real PostgreSQL)', () => {
  let t: TestApp;
  let queue: DeliveryQueue;

  beforeAll(async () => {
    // Web role: no worker in this app, so the ledger rows stay exactly as the queue left them.
    t = await startTestApp({ env: { NASHRA_ROLE: 'web' } });
    queue = t.get(DeliveryQueue);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('queues every active reader of the edition frequency once, with topic segments computed in SQL', async () => {
    const ds = t.dataSource;
    const iraq = await insertArticle(ds, ['العراق', 'داعش']);
    const syria = await insertArticle(ds, ['سوريا']);
    const sport = await insertArticle(ds, ['رياضة']);
    const edition = await insertEdition(ds, { frequency: 'daily', articleIds: [sport, iraq, syria] });

    const everything = await insertReaders(ds, { count: 3, prefix: 'all-' });
    const iraqReader = await insertReader(ds, 'iraq@example.org', { topics: ['العراق'] });
    const twoTopics = await insertReader(ds, 'two@example.org', { topics: ['رياضة', 'سوريا', 'طبخ'] });
    const allTopics = await insertReader(ds, 'every@example.org', { topics: ['داعش', 'سوريا', 'رياضة'] });
    const noMatch = await insertReader(ds, 'cooking@example.org', { topics: ['طبخ'] });
    await insertReader(ds, 'weekly@example.org', { frequency: 'weekly' });
    await insertReader(ds, 'pending@example.org', { status: 'pending' });
    await insertReader(ds, 'gone@example.org', { status: 'unsubscribed' });
    await insertReader(ds, 'bounced@example.org', { status: 'bounced' });

    const result = await queue.queueEdition(edition);
    expect(result).toEqual({ queued: 6, skipped: 1 });

    const rows = await ledger(ds, edition);
    const byReader = new Map(rows.map((r) => [r.subscriber_id, r]));
    expect(rows).toHaveLength(7);
    for (const r of everything) {
      expect(byReader.get(r.id)).toMatchObject({ status: 'queued', segment_key: 'all' });
    }
    expect(byReader.get(iraqReader)).toMatchObject({ status: 'queued', segment_key: iraq });
    const ascending = [sport, syria].sort((a, b) => Number(a) - Number(b)).join(',');
    expect(byReader.get(twoTopics)).toMatchObject({ status: 'queued', segment_key: ascending });
    expect(byReader.get(allTopics)).toMatchObject({ status: 'queued', segment_key: 'all' });
    expect(byReader.get(noMatch)).toMatchObject({ status: 'skipped' });
    expect(byReader.get(noMatch)!.last_error).toMatch(/topics/);

    // A second call (a retried cron tick, a second process) adds nothing.
    expect(await queue.queueEdition(edition)).toEqual({ queued: 0, skipped: 0 });
    expect(await ledger(ds, edition)).toHaveLength(7);

    // A reader who joins later is picked up by a later call, without touching existing rows.
    await insertReader(ds, 'late@example.org');
    expect(await queue.queueEdition(edition)).toEqual({ queued: 1, skipped: 0 });
  });

  it('counts every status, zeros included', async () => {
    const ds = t.dataSource;
    const edition = await insertEdition(ds, { frequency: 'weekly' });
    expect(await queue.countsByStatus(edition)).toEqual({
      queued: 0,
      sending: 0,
      sent: 0,
      failed: 0,
      bounced: 0,
      skipped: 0,
    });
    await insertReaders(ds, { count: 5, prefix: 'weekly-count-', frequency: 'weekly' });
    const { queued } = await queue.queueEdition(edition);
    await ds.query(
      `UPDATE deliveries SET status = 'sent', sent_at = now() WHERE id IN (
      SELECT id FROM deliveries WHERE edition_id = $1 ORDER BY id LIMIT 2)`,
      [edition],
    );
    const counts = await queue.countsByStatus(edition);
    expect(counts).toEqual({ queued: queued - 2, sending: 0, sent: 2, failed: 0, bounced: 0, skipped: 0 });
    const progress = await queue.progress(edition);
    expect(progress).toMatchObject({ total: queued, remaining: queued - 2 });
    expect(progress.ratePerSecond).toBeGreaterThan(0);
    expect(progress.etaSeconds).toBeGreaterThan(0);
  });

  it('retries failed deliveries and sends a finished or failure-paused edition again', async () => {
    const ds = t.dataSource;
    const readers = await insertReaders(ds, { count: 4, prefix: 'retry-', domain: 'example.com' });
    const edition = await insertEdition(ds, { frequency: 'daily' });
    await queue.queueEdition(edition);
    await ds.query(
      `UPDATE deliveries SET status = CASE WHEN subscriber_id = ANY($2::bigint[]) THEN 'failed' ELSE 'sent' END,
              attempts = 5, last_error = '451 try later'
       WHERE edition_id = $1 AND subscriber_id = ANY($3::bigint[])`,
      [edition, [readers[0].id, readers[1].id], readers.map((r) => r.id)],
    );
    await ds.query(`UPDATE deliveries SET status = 'sent' WHERE edition_id = $1 AND status = 'queued'`, [edition]);
    await setEditionStatus(ds, edition, 'sent');

    expect(await queue.retryFailed(edition)).toBe(2);
    const [after] = await ds.query(`SELECT status, sent_at FROM editions WHERE id = $1`, [edition]);
    expect(after.status).toBe('sending');
    const rows = await ledger(ds, edition);
    expect(rows.filter((r) => r.status === 'queued').map((r) => [r.attempts, r.last_error])).toEqual([
      [0, null],
      [0, null],
    ]);
    expect(await queue.retryFailed(edition)).toBe(0);

    // An editor's pause is the editor's to lift: retrying does not resume it.
    await ds.query(`UPDATE deliveries SET status = 'failed' WHERE edition_id = $1 AND status = 'queued'`, [edition]);
    await ds.query(`UPDATE editions SET status = 'paused', status_reason = 'editor paused' WHERE id = $1`, [edition]);
    expect(await queue.retryFailed(edition)).toBe(2);
    const [still] = await ds.query(`SELECT status FROM editions WHERE id = $1`, [edition]);
    expect(still.status).toBe('paused');
  });
});
