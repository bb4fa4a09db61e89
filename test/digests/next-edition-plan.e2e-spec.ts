import { InvalidInputError } from '../../src/common/domain-errors';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { DataSource } from 'typeorm';
import { DigestScheduler } from '../../src/digests/digest-scheduler';
import { DigestSettingsService } from '../../src/digests/digest-settings.service';
import { Edition } from '../../src/digests/edition.entity';
import { EditionsService } from '../../src/digests/editions.service';
import { NextEditionPlanService } from '../../src/digests/next-edition-plan.service';
import { ScheduledEditions } from '../../src/digests/scheduled-editions';
import { insertReaders } from '../delivery/ledger-fixtures';
import { insertArticle } from '../factories/articles';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';

async function dailyId(ds: DataSource): Promise<number> {
  const [row]: Array<{ id: number }> = await ds.query(`SELECT id FROM newsletters WHERE slug = 'daily'`);
  return row.id;
}

async function ledgerCount(ds: DataSource, editionId: string): Promise<number> {
  const [row] = (await ds.query('SELECT count(*) AS n FROM deliveries WHERE edition_id = $1', [editionId])) as {
    n: string;
  }[];
  return Number(row.n);
}

describe("The next edition: an editor's plan, scheduled sends (FakeClock, real PostgreSQL)", () => {
  const clock = new FakeClock(new Date('2026-11-24T09:00:00Z'));
  let t: TestApp;
  let ds: DataSource;
  let plans: NextEditionPlanService;
  let editions: EditionsService;

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { NASHRA_ROLE: 'web' } });
    ds = t.dataSource;
    plans = t.get(NextEditionPlanService);
    editions = t.get(EditionsService);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('drop, pin as lead, subject and note shape the edition made now; the plan is then consumed', async () => {
    const oldest = await insertArticle(ds, { title: 'الأقدم', publishedAt: '2026-11-24T06:00:00Z' });
    const middle = await insertArticle(ds, { title: 'الأوسط', publishedAt: '2026-11-24T07:00:00Z' });
    const newest = await insertArticle(ds, { title: 'الأحدث', publishedAt: '2026-11-24T08:00:00Z' });

    expect((await plans.preview('daily')).articles.map((a) => a.id)).toEqual([newest.id, middle.id, oldest.id]);
    await plans.act('daily', middle.id, 'drop', 'editor@example.net');
    await plans.act('daily', oldest.id, 'pin', 'editor@example.net');
    await plans.setTexts(
      'daily',
      { subject: 'عنوان من المحرر', preheader: '', editorNote: 'صباح الخير <b>قراءنا</b>' },
      'editor@example.net',
    );
    const preview = await plans.preview('daily');
    expect(preview.articles.map((a) => a.id)).toEqual([oldest.id, newest.id]);
    expect(preview.dropped?.map((a) => a.id)).toEqual([middle.id]);

    const edition = await editions.createNow('daily', {});
    expect(edition.articleIds).toEqual([oldest.id, newest.id]);
    expect(edition.leftOutArticleIds).toEqual([middle.id]);
    expect(edition.subject).toBe('عنوان من المحرر');
    expect(edition.editorNote).toBe('صباح الخير <b>قراءنا</b>');
    const html = (await editions.findOrFail(edition.id)).html!;
    // The note is plain text: escaped, shown above the first (lead) article.
    expect(html).toContain('صباح الخير');
    expect(html).toContain('&lt;');
    expect(html).not.toMatch(/<b>\s*قراءنا/);
    // (The titles also appear earlier, in the hidden preheader: look at what follows the note.)
    const afterNote = html.slice(html.indexOf('صباح الخير'));
    expect(afterNote.indexOf('الأقدم')).toBeGreaterThan(0);
    expect(afterNote.indexOf('الأقدم')).toBeLessThan(afterNote.indexOf('الأحدث'));
    expect(afterNote).not.toContain('الأوسط');
    expect(await plans.decisions('daily')).toBeNull();
    // A dropped article is not proposed again.
    await expect(plans.preview('daily')).resolves.toMatchObject({ articles: [] });
  });

  it('refuses to act on an article that is not in the next edition', async () => {
    const gone = await insertArticle(ds, { publishedAt: '2026-11-01T00:00:00Z' });
    await expect(plans.act('daily', gone.id, 'pin', 'editor@example.net')).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('a scheduled edition waits, then goes out exactly once to every reader; a cancelled one never does', async () => {
    const readers = await insertReaders(ds, { count: 5, prefix: 'weekly-reader', frequency: 'weekly' });
    await insertArticle(ds, { title: 'مقال أسبوعي', publishedAt: '2026-11-24T08:30:00Z' });
    const at = new Date('2026-11-24T12:00:00Z');
    const scheduled = await editions.scheduleFor('weekly', at);
    expect(scheduled.status).toBe('scheduled');
    expect(scheduled.scheduledFor).toEqual(at);
    const job = t.get(ScheduledEditions);

    clock.set('2026-11-24T11:59:00Z');
    expect(await job.releaseDue()).toEqual([]);
    expect(await ledgerCount(ds, scheduled.id)).toBe(0);

    clock.set('2026-11-24T12:00:30Z');
    const released = await Promise.all([job.releaseDue(), job.releaseDue(), job.releaseDue()]);
    expect(released.flat().map((e) => e.id)).toEqual([scheduled.id]);
    expect((await editions.findOrFail(scheduled.id)).status).toBe('sending');
    expect(await ledgerCount(ds, scheduled.id)).toBe(readers.length);
    expect(await job.releaseDue()).toEqual([]);

    await insertArticle(ds, { title: 'مقال ثان', publishedAt: '2026-11-24T12:10:00Z' });
    clock.set('2026-11-24T12:20:00Z');
    const later = await editions.scheduleFor('weekly', new Date('2026-11-24T13:00:00Z'));
    await editions.act(later.id, 'cancel');
    clock.set('2026-11-24T14:00:00Z');
    expect(await job.releaseDue()).toEqual([]);
    expect(await ledgerCount(ds, later.id)).toBe(0);
  });

  it('counts the readers an edition would reach, skipping readers whose topics it does not carry', async () => {
    await insertReaders(ds, { count: 3, prefix: 'plain', frequency: 'daily' });
    await insertReaders(ds, { count: 2, prefix: 'sports', frequency: 'daily', topics: ['رياضة'] });
    await insertReaders(ds, { count: 4, prefix: 'gone', frequency: 'daily', status: 'unsubscribed' });
    const article = await insertArticle(ds, { topics: ['العراق'] });
    expect(await plans.audience(await dailyId(ds), [article])).toEqual({ active: 5, receiving: 3 });
  });
});

describe('Digest settings change the schedule without a restart (two instances, one database)', () => {
  const clock = new FakeClock(new Date('2026-11-24T01:00:00Z'));
  let t: TestApp;
  let other: TestApp | undefined;

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  it('a save moves the daily run here at once and on another instance at its next poll', async () => {
    const scheduler = t.get(DigestScheduler);
    other = await startTestApp({ clock, database: t.database });
    const otherScheduler = other.get(DigestScheduler);
    // Default DIGEST_DAILY_CRON: 07:00 in Baghdad = 04:00 UTC.
    expect(scheduler.nextRunAt('daily').toISOString()).toBe('2026-11-24T04:00:00.000Z');

    await t.get(DigestSettingsService).save(
      {
        dailyTime: '09:30',
        dailyDays: [0, 1, 2, 3, 4, 5, 6],
        weeklyTime: '08:00',
        weeklyDay: 5,
        maxArticles: 2,
        order: 'oldest',
      },
      'editor@example.net',
    );
    expect(scheduler.cronFor('daily')).toBe('30 9 * * *');
    expect(scheduler.nextRunAt('daily').toISOString()).toBe('2026-11-24T06:30:00.000Z');
    const job = t.get(SchedulerRegistry).getCronJob('digest-daily');
    expect(job.cronTime.source).toBe('30 9 * * *');

    // The other instance has not polled yet; then it has.
    expect(otherScheduler.cronFor('daily')).toBe('0 7 * * *');
    await otherScheduler.pollSettings();
    expect(otherScheduler.cronFor('daily')).toBe('30 9 * * *');
    expect(other.get(SchedulerRegistry).getCronJob('digest-daily').cronTime.source).toBe('30 9 * * *');

    // A tick at the new time makes the edition, with the saved limit and order.
    const first = await insertArticle(t.dataSource, { title: 'أول', publishedAt: '2026-11-24T02:00:00Z' });
    const second = await insertArticle(t.dataSource, { title: 'ثان', publishedAt: '2026-11-24T03:00:00Z' });
    await insertArticle(t.dataSource, { title: 'ثالث', publishedAt: '2026-11-24T05:00:00Z' });
    clock.set('2026-11-24T06:30:00Z');
    await t.get(SchedulerRegistry).getCronJob('digest-daily').fireOnTick();
    const made = await waitForEdition(t.dataSource);
    expect(made.key).toBe('daily:2026-11-24');
    expect(made.articleIds).toEqual([first.id, second.id]);
  });
});

async function waitForEdition(ds: DataSource): Promise<Edition> {
  const deadline = Date.now() + 15000;
  for (;;) {
    const edition = await ds.getRepository(Edition).findOneBy({ frequency: 'daily', triggeredBy: 'schedule' });
    if (edition) {
      return edition;
    }
    if (Date.now() > deadline) {
      throw new Error('no scheduled daily edition');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
