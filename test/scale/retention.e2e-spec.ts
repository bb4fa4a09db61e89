import request from 'supertest';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { DeliveryRetention } from '../../src/delivery/delivery-retention';
import { EditionCountsReconciliation } from '../../src/delivery/edition-counts-reconciliation';
import { clickCount, clickLinks, follow, insertStories, sendEdition } from '../engagement/engagement-fixtures';
import { insertEdition } from '../factories/editions';
import { insertReaders } from '../factories/readers';
import { appWithSmtpSink } from '../helpers/app-with-sink';
import { FakeClock } from '../helpers/fake-clock';

const DAY_MS = 24 * 3600_000;
const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)';

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
    expect(await retention.runOnce()).toEqual({ editions: [], rows: 0 });

    // 181 days on: the sent edition's rows go, with their clicks and opens; what editors see stays.
    clock.advance(2 * DAY_MS);
    expect(await retention.runOnce()).toEqual({ editions: [edition], rows: 12 });
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
    expect(await retention.runOnce()).toEqual({ editions: [], rows: 0 });

    // The reader's privacy export says how far back their history goes.
    const exported = (
      await request(t.baseUrl)
        .get(`/admin/subscribers/${readers[0].id}/export`)
        .set('Authorization', t.editorAuth)
        .expect(200)
    ).body as { deliveries: unknown[]; deliveryHistory: { keptDays: number } };
    expect(exported.deliveryHistory.keptDays).toBe(180);
    expect(exported.deliveries).toHaveLength(1); // the unfinished edition's queued row only
  });
});
