import request from 'supertest';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { DeliveryRetention } from '../../src/delivery/delivery-retention';
import { EditionCountsReconciliation } from '../../src/delivery/edition-counts-reconciliation';
import { LEDGER_PARTITION_EDITIONS } from '../../src/delivery/ledger-partitions';
import { clickCount, clickLinks, follow, insertStories, sendEdition } from '../engagement/engagement-fixtures';
import { insertEdition } from '../factories/editions';
import { insertReaders } from '../factories/readers';
import { appWithSmtpSink } from '../helpers/app-with-sink';
import { FakeClock } from '../helpers/fake-clock';

const DAY_MS = 24 * 3600_000;
const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)';

/** The ledger partition an edition's rows live in (migration PartitionedLedger, LedgerPartitions). */
function partitionOf(editionId: string): string {
  const first = Math.floor(Number(editionId) / LEDGER_PARTITION_EDITIONS) * LEDGER_PARTITION_EDITIONS;
  return `deliveries_editions_${first}_${first + LEDGER_PARTITION_EDITIONS - 1}`;
}

describe('A ledger with an end (DELIVERY_RETENTION_DAYS, default 180)', () => {
  const clock = new FakeClock(new Date());
  const suite = appWithSmtpSink({ env: { OPEN_TRACKING: 'on' }, clock });

  it("an expired edition loses its per-reader rows and keeps its counts, clicks per link and readers' engagement", async () => {
    const { t, sink } = suite;
    const ds = t.dataSource;
    const readers = await insertReaders(ds, { count: 12, prefix: 'kept-' });
    const edition = await sendEdition(
      t,
      await insertStories(ds, ['https://www.example.net/2026/12/one/', 'https://www.example.net/2026/12/two/']),
    );
    // Three readers follow links (one follows both), an hour after sending; one reader opens it.
    clock.advance(3600_000);
    for (const [i, reader] of readers.slice(0, 3).entries()) {
      const links = clickLinks(sink.to(reader.email)[0]);
      for (const link of i === 0 ? links : links.slice(0, 1)) {
        expect((await follow(link)).status).toBe(302);
      }
    }
    const pixel = /<img src="([^"]*\/o\/[A-Za-z0-9_-]+\.gif)"/.exec(
      sink.to(readers[5].email)[0].parsed.html as string,
    )![1];
    expect((await fetch(pixel, { headers: { 'user-agent': BROWSER } })).status).toBe(200);
    expect(await clickCount(ds, edition)).toBe(4);

    // An edition still being sent (rows queued) is never expired, however old.
    const unfinished = await insertEdition(ds, { articleIds: [], subject: 'لم يُرسل بعد' });
    await t.get(DeliveryQueue).queueEdition(unfinished.id);

    const stats = async () =>
      (await request(t.baseUrl).get(`/admin/digests/${edition}/stats`).set('Authorization', t.editorAuth).expect(200))
        .body as Record<string, unknown>;
    const history = async () =>
      (
        (await request(t.baseUrl).get(`/admin/digests/${edition}`).set('Authorization', t.editorAuth).expect(200))
          .body as { deliveries: Record<string, number> }
      ).deliveries;
    const engaged = async () =>
      (await ds.query(`SELECT id::text, last_engaged_at FROM subscribers ORDER BY id`)) as Array<{
        id: string;
        last_engaged_at: Date | null;
      }>;
    const before = { stats: await stats(), history: await history(), engaged: await engaged() };
    expect(before.stats).toMatchObject({ delivered: 12, uniqueClickers: 3 });
    expect(before.history).toMatchObject({ sent: 12 });
    const retention = t.get(DeliveryRetention);

    // 179 days on: nothing is old enough.
    clock.advance(179 * DAY_MS);
    expect(await retention.runOnce()).toEqual({ editions: [], rows: 0, partitions: [] });

    // 181 days on: the sent edition's rows go, with their clicks and opens; what editors see stays.
    clock.advance(2 * DAY_MS);
    // It shares its ledger partition with the unfinished edition: its rows go one by one, the partition stays.
    const run = await retention.runOnce();
    expect(run).toMatchObject({ editions: [edition], rows: 12 });
    expect(run.partitions).not.toContain(partitionOf(edition));
    const [{ n: left }] = await ds.query(`SELECT count(*)::int AS n FROM deliveries WHERE edition_id = $1`, [edition]);
    expect(left).toBe(0);
    expect(await clickCount(ds, edition)).toBe(0);
    expect(await stats()).toEqual(before.stats);
    expect(await history()).toEqual(before.history);
    expect(await engaged()).toEqual(before.engaged);
    const [{ n: queued }] = await ds.query(`SELECT count(*)::int AS n FROM deliveries WHERE edition_id = $1`, [
      unfinished.id,
    ]);
    expect(queued).toBe(12);

    // The recount leaves an expired edition's counts alone; a second run has nothing to do.
    expect(await t.get(EditionCountsReconciliation).runOnce()).toEqual([]);
    expect(await retention.runOnce()).toEqual({ editions: [], rows: 0, partitions: [] });

    // The reader's privacy export says how far back their history goes.
    const exported = (
      await request(t.baseUrl)
        .get(`/admin/subscribers/${readers[0].id}/export`)
        .set('Authorization', t.editorAuth)
        .expect(200)
    ).body as { deliveries: unknown[]; deliveryHistory: { keptDays: number; noteAr: string } };
    expect(exported.deliveryHistory.keptDays).toBe(180);
    expect(exported.deliveryHistory.noteAr).toContain('لكل عدد 180 يومًا بعد آخر رسالة منه');
    expect(exported.deliveries).toHaveLength(1); // the unfinished edition's queued row only
  });

  it('a partition whose editions have all expired is dropped whole; one holding a recent edition stays', async () => {
    const { t, sink } = suite;
    const ds = t.dataSource;
    clock.set(new Date());
    const readers = (await ds.query(`SELECT id::text, email FROM subscribers ORDER BY id`)) as Array<{
      id: string;
      email: string;
    }>;
    /** The next edition gets the first id of a partition of its own, well past the earlier ones. */
    const nextEditionStartsPartition = async (block: number) => {
      await ds.query(`SELECT setval(pg_get_serial_sequence('editions', 'id'), $1)`, [
        block * LEDGER_PARTITION_EDITIONS - 1,
      ]);
    };
    await nextEditionStartsPartition(4);
    const old = await sendEdition(
      t,
      await insertStories(ds, ['https://www.example.net/2026/06/old-one/', 'https://www.example.net/2026/06/old-two/']),
    );
    expect(partitionOf(old)).toBe(
      `deliveries_editions_${4 * LEDGER_PARTITION_EDITIONS}_${5 * LEDGER_PARTITION_EDITIONS - 1}`,
    );
    clock.advance(3600_000);
    // The old edition is the last message each reader got so far.
    const oldMessage = (email: string) => sink.to(email).at(-1)!;
    for (const reader of readers.slice(0, 2)) {
      for (const link of clickLinks(oldMessage(reader.email))) {
        expect((await follow(link)).status).toBe(302);
      }
    }
    const pixel = /<img src="([^"]*\/o\/[A-Za-z0-9_-]+\.gif)"/.exec(
      oldMessage(readers[7].email).parsed.html as string,
    )![1];
    expect((await fetch(pixel, { headers: { 'user-agent': BROWSER } })).status).toBe(200);
    expect(await clickCount(ds, old)).toBe(4);

    await nextEditionStartsPartition(6);
    const recent = await sendEdition(t, await insertStories(ds, ['https://www.example.net/2026/12/recent/']));
    expect(partitionOf(recent)).not.toBe(partitionOf(old));

    const stats = async (id: string) =>
      (await request(t.baseUrl).get(`/admin/digests/${id}/stats`).set('Authorization', t.editorAuth).expect(200))
        .body as Record<string, unknown>;
    const history = async (id: string) =>
      (
        (await request(t.baseUrl).get(`/admin/digests/${id}`).set('Authorization', t.editorAuth).expect(200)).body as {
          deliveries: Record<string, number>;
        }
      ).deliveries;
    const engaged = async () =>
      (await ds.query(`SELECT id::text, last_engaged_at FROM subscribers ORDER BY id`)) as Array<{
        id: string;
        last_engaged_at: Date | null;
      }>;
    const rowsOf = async (id: string) =>
      ((await ds.query(`SELECT count(*)::int AS n FROM deliveries WHERE edition_id = $1`, [id])) as [{ n: number }])[0]
        .n;
    const partitionExists = async (name: string) =>
      ((await ds.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [name])) as [{ found: boolean }])[0].found;
    const before = { stats: await stats(old), history: await history(old), engaged: await engaged() };
    expect(before.stats).toMatchObject({ delivered: 12, uniqueClickers: 2 });
    expect(before.stats.articles).toEqual([
      expect.objectContaining({ clicks: 2 }),
      expect.objectContaining({ clicks: 2 }),
    ]);
    expect(await rowsOf(old)).toBe(12);

    // 181 days on; the recent edition's last message went yesterday.
    clock.advance(181 * 24 * 3600_000);
    await ds.query(`UPDATE edition_counts SET last_sent_at = $2 WHERE edition_id = $1`, [
      recent,
      new Date(clock.now().getTime() - 24 * 3600_000),
    ]);
    const run = await t.get(DeliveryRetention).runOnce();
    expect(run.editions).toEqual([old]);
    expect(run.partitions).toContain(partitionOf(old));
    expect(run.partitions).not.toContain(partitionOf(recent));
    expect(run.rows).toBe(12);

    // The old edition's per-reader rows, clicks and opens are gone with its partition...
    expect(await partitionExists(partitionOf(old))).toBe(false);
    expect(await rowsOf(old)).toBe(0);
    expect(await clickCount(ds, old)).toBe(0);
    const [{ n: opens }] = await ds.query(`SELECT count(*)::int AS n FROM opens WHERE edition_id = $1`, [old]);
    expect(opens).toBe(0);
    // ...and what editors see of it is unchanged: counts, clicks per link, rates, readers' last engagement.
    expect(await stats(old)).toEqual(before.stats);
    expect(await history(old)).toEqual(before.history);
    expect(await engaged()).toEqual(before.engaged);
    // The recent edition's partition and rows stay, as do those of the partition holding an unfinished edition.
    expect(await partitionExists(partitionOf(recent))).toBe(true);
    expect(await rowsOf(recent)).toBe(12);
    expect(await partitionExists(partitionOf('1'))).toBe(true);

    // Nothing left to do; and the ledger takes the next edition as before (its partition made ahead).
    expect(await t.get(DeliveryRetention).runOnce()).toEqual({ editions: [], rows: 0, partitions: [] });
    const next = await sendEdition(t, await insertStories(ds, ['https://www.example.net/2026/12/next/']));
    expect(await rowsOf(next)).toBe(12);
    expect(await partitionExists(partitionOf(next))).toBe(true);
  });

  it('an edition whose partition cannot be made still queues its rows (into the DEFAULT partition)', async () => {
    const { t } = suite;
    const ds = t.dataSource;
    const block = 50;
    await ds.query(`SELECT setval(pg_get_serial_sequence('editions', 'id'), $1)`, [
      block * LEDGER_PARTITION_EDITIONS - 1,
    ]);
    // A row written around the owner (a restore, a hand-run statement) sits in the DEFAULT partition, where it
    // keeps this range's partition from being made.
    const first = await insertEdition(ds, { articleIds: [], subject: 'خارج القسم' });
    const [reader] = (await ds.query(`SELECT id::text FROM subscribers ORDER BY id LIMIT 1`)) as Array<{ id: string }>;
    await ds.query(`INSERT INTO deliveries (edition_id, subscriber_id, status) VALUES ($1, $2, 'skipped')`, [
      first.id,
      reader.id,
    ]);
    const second = await insertEdition(ds, { articleIds: [], subject: 'في القسم الافتراضي' });
    expect(partitionOf(second.id)).toBe(partitionOf(first.id));
    const queued = await t.get(DeliveryQueue).queueEdition(second.id);
    expect(queued.queued + queued.skipped).toBe(12);
    const where = (await ds.query(
      `SELECT DISTINCT tableoid::regclass::text AS partition FROM deliveries WHERE edition_id = ANY($1::bigint[])`,
      [[first.id, second.id]],
    )) as Array<{ partition: string }>;
    expect(where).toEqual([{ partition: 'deliveries_default' }]);
  });
});
