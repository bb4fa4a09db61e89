import { SchedulerRegistry } from '@nestjs/schedule';
import type { DataSource } from 'typeorm';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { DigestScheduler } from '../../src/digests/digest-scheduler';
import { Edition } from '../../src/digests/edition.entity';
import { EditionsService } from '../../src/digests/editions.service';
import type { Frequency } from '../../src/subscribers/subscriber.entity';
import { insertArticle } from '../factories/articles';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';

const at = (iso: string) => new Date(iso);

async function editionsOf(ds: DataSource, frequency: string): Promise<Edition[]> {
  return ds.getRepository(Edition).find({ where: { frequency: frequency as Frequency }, order: { id: 'ASC' } });
}

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error('timed out waiting');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Scheduled digests (FakeClock, real PostgreSQL)', () => {
  // 07:00 in Baghdad is 04:00 UTC: the default DIGEST_DAILY_CRON tick.
  const clock = new FakeClock(at('2026-11-23T04:00:00Z'));
  let t: TestApp;
  let ds: DataSource;
  let scheduler: DigestScheduler;

  beforeAll(async () => {
    // web role: no real cron jobs and no start-up catch-up, so only the test's runs create editions.
    t = await startTestApp({ clock, env: { NASHRA_ROLE: 'web' } });
    ds = t.dataSource;
    scheduler = t.get(DigestScheduler);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('three daily runs over three days yield three disjoint editions holding every article of the span', async () => {
    const tooOld = await insertArticle(ds, { publishedAt: '2026-11-21T23:00:00Z' });
    const a1 = await insertArticle(ds, { publishedAt: '2026-11-22T10:00:00Z' });
    const a2 = await insertArticle(ds, { publishedAt: '2026-11-23T01:00:00Z' });
    clock.set('2026-11-23T04:00:00Z');
    const e1 = await scheduler.runScheduled('daily');

    const a3 = await insertArticle(ds, { publishedAt: '2026-11-23T05:00:00Z' });
    const a4 = await insertArticle(ds, { publishedAt: '2026-11-23T20:00:00Z' });
    const a5 = await insertArticle(ds, { publishedAt: '2026-11-24T04:00:00Z' });
    clock.set('2026-11-24T04:00:00Z');
    const e2 = await scheduler.runScheduled('daily');
    // A second run for the same day (another tick, a retry) changes nothing.
    expect(await scheduler.runScheduled('daily')).toBeNull();

    const a6 = await insertArticle(ds, { publishedAt: '2026-11-24T04:00:01Z' });
    const a7 = await insertArticle(ds, { publishedAt: '2026-11-25T03:00:00Z' });
    // Published before the second edition was made, but fetched after it: must not be lost.
    const late = await insertArticle(ds, { publishedAt: '2026-11-24T03:30:00Z' });
    clock.set('2026-11-25T04:00:00Z');
    const e3 = await scheduler.runScheduled('daily');

    const editions = await editionsOf(ds, 'daily');
    expect(editions.map((e) => e.key)).toEqual(['daily:2026-11-23', 'daily:2026-11-24', 'daily:2026-11-25']);
    expect(editions.map((e) => e.id)).toEqual([e1!.id, e2!.id, e3!.id]);
    // Newest first (DIGEST_ORDER default).
    expect(editions[0].articleIds).toEqual([a2.id, a1.id]);
    expect(editions[1].articleIds).toEqual([a5.id, a4.id, a3.id]);
    expect(editions[2].articleIds).toEqual([a7.id, a6.id, late.id]);
    const all = editions.flatMap((e) => e.articleIds);
    expect(new Set(all).size).toBe(all.length);
    const span: { id: string }[] = await ds.query(
      `SELECT id FROM articles WHERE published_at > $1 AND published_at <= $2`,
      [editions[0].windowFrom, editions[2].windowTo],
    );
    expect([...all].sort()).toEqual(span.map((r) => r.id).sort());
    expect(all).not.toContain(tooOld.id);
    // Windows chain without gaps; each was rendered and handed on.
    expect(editions[1].windowFrom).toEqual(editions[0].windowTo);
    expect(editions[2].windowFrom).toEqual(editions[1].windowTo);
    for (const e of editions) {
      expect(e.status).toBe('sending');
      expect(e.triggeredBy).toBe('schedule');
      expect(e.html).toContain('dir="rtl"');
    }
  });

  it('two concurrent triggers at the same tick produce one edition', async () => {
    clock.set('2026-11-27T04:00:00Z'); // Friday 07:00 Baghdad: the weekly tick
    const results = await Promise.all([scheduler.runScheduled('weekly'), scheduler.runScheduled('weekly')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const weekly = await editionsOf(ds, 'weekly');
    expect(weekly.map((e) => e.key)).toEqual(['weekly:2026-W48']);
  });

  it('two app instances on one database at the same tick produce one edition', async () => {
    await insertArticle(ds, { publishedAt: '2026-11-26T12:00:00Z' });
    const other = await startTestApp({ database: t.database, clock, env: { NASHRA_ROLE: 'web' } });
    try {
      clock.set('2026-11-26T04:00:00Z');
      const results = await Promise.all([
        scheduler.runScheduled('daily'),
        other.get(DigestScheduler).runScheduled('daily'),
        scheduler.runScheduled('daily'),
        other.get(DigestScheduler).runScheduled('daily'),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const keys = (await editionsOf(ds, 'daily')).map((e) => e.key);
      expect(keys.filter((k) => k === 'daily:2026-11-26')).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('an instance starting after missed ticks catches up with one edition, not one per missed tick', async () => {
    const before = await editionsOf(ds, 'daily');
    const missed = await insertArticle(ds, { publishedAt: '2026-11-28T09:00:00Z' });
    // Down from the 26th until the 30th at 10:00 Baghdad: the ticks of the 27th, 28th, 29th and 30th were missed.
    clock.set('2026-11-30T07:00:00Z');
    const worker = await startTestApp({ database: t.database, clock, env: { NASHRA_ROLE: 'worker' } });
    try {
      const after = await waitFor(async () => {
        const rows = await editionsOf(ds, 'daily');
        return rows.length > before.length && rows;
      });
      // Give any further (wrong) catch-up editions time to appear.
      await new Promise((r) => setTimeout(r, 1000));
      expect(await editionsOf(ds, 'daily')).toHaveLength(before.length + 1);
      const caughtUp = after[after.length - 1];
      expect(caughtUp.key).toBe('daily:2026-11-30');
      expect(caughtUp.articleIds).toContain(missed.id);
    } finally {
      await worker.close();
    }
    // Another restart the same morning finds the tick covered and makes nothing.
    const again = await startTestApp({ database: t.database, clock, env: { NASHRA_ROLE: 'worker' } });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      expect(await editionsOf(ds, 'daily')).toHaveLength(before.length + 1);
    } finally {
      await again.close();
    }
  });

  it('a run with no new articles records a skipped edition and renders nothing', async () => {
    clock.set('2026-12-01T04:00:00Z');
    const edition = await scheduler.runScheduled('daily');
    expect(edition!.status).toBe('skipped');
    expect(edition!.articleIds).toEqual([]);
    expect(edition!.html).toBeNull();
  });

  it('a cancelled edition gives its articles back to the next one', async () => {
    const a = await insertArticle(ds, { publishedAt: '2026-12-01T20:00:00Z' });
    clock.set('2026-12-02T04:00:00Z');
    const cancelledOne = await scheduler.runScheduled('daily');
    expect(cancelledOne!.articleIds).toEqual([a.id]);
    await t.get(EditionsService).act(cancelledOne!.id, 'cancel');
    clock.set('2026-12-03T04:00:00Z');
    const next = await scheduler.runScheduled('daily');
    expect(next!.articleIds).toEqual([a.id]);
  });
});

describe('DIGEST_MAX_ARTICLES and DIGEST_ORDER', () => {
  const clock = new FakeClock(at('2026-11-24T04:00:00Z'));
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { NASHRA_ROLE: 'web', DIGEST_MAX_ARTICLES: '2', DIGEST_ORDER: 'oldest' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('takes at most the maximum in the configured order, records the rest as left out and never sends them later', async () => {
    const ids: string[] = [];
    for (const hour of [5, 6, 7]) {
      ids.push((await insertArticle(t.dataSource, { publishedAt: `2026-11-23T0${hour}:00:00Z` })).id);
    }
    const first = await t.get(DigestScheduler).runScheduled('daily');
    expect(first!.articleIds).toEqual([ids[0], ids[1]]);
    expect(first!.leftOutArticleIds).toEqual([ids[2]]);

    const fresh = await insertArticle(t.dataSource, { publishedAt: '2026-11-24T09:00:00Z' });
    clock.set('2026-11-25T04:00:00Z');
    const second = await t.get(DigestScheduler).runScheduled('daily');
    expect(second!.articleIds).toEqual([fresh.id]);
  });
});

describe('a hand-off the delivery queue refuses', () => {
  const clock = new FakeClock(at('2026-11-24T04:00:00Z'));
  let t: TestApp;
  let queueFails = true;
  const queued: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { NASHRA_ROLE: 'web' },
      // Failure injection at the module boundary: the real queue is the delivery module's to test.
      override: (builder) =>
        builder.overrideProvider(DeliveryQueue).useValue({
          queueEdition: (id: string) => {
            if (queueFails) {
              return Promise.reject(new Error('database went away'));
            }
            queued.push(id);
            return Promise.resolve({ queued: 0, skipped: 0 });
          },
          countsByStatus: () => Promise.resolve({}),
          retryFailed: () => Promise.resolve(0),
        }),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('leaves the edition in draft with the reason, and the next start hands it on', async () => {
    await insertArticle(t.dataSource, { publishedAt: '2026-11-23T10:00:00Z' });
    const edition = await t.get(DigestScheduler).runScheduled('daily');
    expect(edition!.status).toBe('draft');
    expect(edition!.statusReason).toContain('database went away');

    queueFails = false;
    await t.get(DigestScheduler).catchUp();
    const after = await t.dataSource.getRepository(Edition).findOneByOrFail({ id: edition!.id });
    expect(after.status).toBe('sending');
    expect(after.statusReason).toBeNull();
    expect(queued).toEqual([edition!.id]);
  });
});

describe('cron jobs', () => {
  it('a worker instance registers one job per frequency, and a real tick creates the edition once', async () => {
    const clock = new FakeClock(at('2026-11-24T04:00:00Z'));
    // Every second, so the test sees real ticks; the FakeClock keeps every tick on the same key.
    const t = await startTestApp({ clock, env: { NASHRA_ROLE: 'worker', DIGEST_DAILY_CRON: '* * * * * *' } });
    try {
      const registry = t.get(SchedulerRegistry);
      // One job per digest newsletter (the nightly recounts and the ledger's retention run beside them).
      expect([...registry.getCronJobs().keys()].filter((name) => name.startsWith('digest-')).sort()).toEqual([
        'digest-daily',
        'digest-weekly',
      ]);
      await insertArticle(t.dataSource, { publishedAt: '2026-11-24T01:00:00Z' });
      const [edition] = await waitFor(async () => {
        const rows = await editionsOf(t.dataSource, 'daily');
        return rows.length > 0 && rows;
      });
      expect(edition.key).toBe('daily:2026-11-24');
      expect(edition.triggeredBy).toBe('schedule');
      await new Promise((r) => setTimeout(r, 2200));
      expect(await editionsOf(t.dataSource, 'daily')).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('a web instance runs no digest jobs', async () => {
    const t = await startTestApp({ env: { NASHRA_ROLE: 'web' } });
    try {
      expect([...t.get(SchedulerRegistry).getCronJobs().keys()].filter((k) => k.startsWith('digest-'))).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
