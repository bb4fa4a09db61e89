import { Logger } from '@nestjs/common';
import request from 'supertest';
import { TransactionalOutbox } from '../../src/delivery/transactional-outbox';
import { NextEditionPlanService } from '../../src/digests/next-edition-plan.service';
import { ReaderImporter } from '../../src/subscribers/import/reader-importer';
import { NewsletterReaderCounts } from '../../src/subscribers/newsletter-reader-counts';
import { ReaderCountsReconciliation } from '../../src/subscribers/reader-counts-reconciliation';
import { SubscriberPrivacyService } from '../../src/subscribers/subscriber-privacy.service';
import { SubscriptionsService } from '../../src/subscribers/subscriptions.service';
import { insertArticle } from '../factories/articles';
import { uploadedFile } from '../factories/reader-csv';
import { insertReader } from '../factories/readers';
import { appWithSmtpSink } from '../helpers/app-with-sink';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { waitFor } from '../helpers/wait-for';
import { confirmToken, postJson } from '../readers/reader-steps';

type Figures = Record<string, { active: number; pending: number; gone: number }>;

describe('Readers per newsletter and state are kept in the statement that changes them', () => {
  const app = appWithSmtpSink({ env: { SIGNUP_RATE_LIMIT_PER_MINUTE: '1000' } });
  const t = () => app.t;

  /** The kept figures, by slug (newsletters nobody joined are left out). */
  async function kept(): Promise<Figures> {
    const byId = await t().get(NewsletterReaderCounts).byNewsletter();
    const slugs: Array<{ id: number; slug: string }> = await t().dataSource.query('SELECT id, slug FROM newsletters');
    const figures: Figures = {};
    for (const { id, slug } of slugs) {
      const f = byId.get(id);
      if (f && f.active + f.pending + f.gone > 0) {
        figures[slug] = f;
      }
    }
    return figures;
  }

  /** The same figures counted the slow way, over every subscription and its reader. */
  async function counted(): Promise<Figures> {
    const rows: Array<{ slug: string; active: number; pending: number; gone: number }> = await t().dataSource.query(
      `SELECT n.slug,
              count(*) FILTER (WHERE sub.status = 'active' AND s.status = 'active')::int AS active,
              count(*) FILTER (WHERE sub.status = 'active' AND s.status = 'pending')::int AS pending,
              count(*) FILTER (WHERE sub.status <> 'active' OR s.status NOT IN ('active', 'pending'))::int AS gone
         FROM subscriptions sub JOIN subscribers s ON s.id = sub.subscriber_id JOIN newsletters n ON n.id = sub.newsletter_id
        GROUP BY n.slug`,
    );
    return Object.fromEntries(rows.map(({ slug, ...f }) => [slug, f]));
  }

  async function idOf(email: string): Promise<string> {
    const [row]: Array<{ id: string }> = await t().dataSource.query(
      'SELECT id::text FROM subscribers WHERE email_key = lower($1)',
      [email],
    );
    return row.id;
  }

  it('a sign-up counts as confirming, its confirmation as active; leaving one newsletter or all moves only those', async () => {
    await postJson(t(), { email: 'counted@example.org', newsletters: ['weekly', 'breaking'] }).expect(200);
    expect(await kept()).toEqual({
      weekly: { active: 0, pending: 1, gone: 0 },
      breaking: { active: 0, pending: 1, gone: 0 },
    });

    const mail = await waitFor(
      () => Promise.resolve(app.sink.to('counted@example.org')),
      (m) => m.length === 1,
      15_000,
      'confirmation',
    );
    await t().get(TransactionalOutbox).idle();
    await request(t().baseUrl)
      .post(`/subscriptions/confirm?token=${confirmToken(mail[0])}`)
      .expect(200);
    expect(await kept()).toEqual({
      weekly: { active: 1, pending: 0, gone: 0 },
      breaking: { active: 1, pending: 0, gone: 0 },
    });

    const id = await idOf('counted@example.org');
    const subscriptions = t().get(SubscriptionsService);
    await subscriptions.unsubscribeFrom(id, 'weekly');
    expect(await kept()).toEqual({
      weekly: { active: 0, pending: 0, gone: 1 },
      breaking: { active: 1, pending: 0, gone: 0 },
    });
    // The preferences page: daily and the alerts again.
    await subscriptions.chooseNewsletters(id, ['daily', 'breaking']);
    expect((await kept()).daily).toEqual({ active: 1, pending: 0, gone: 0 });

    // "Leave everything": the address leaves, each of its subscriptions with it.
    await subscriptions.unsubscribe(id);
    const left = await kept();
    expect(left.daily.active + left.weekly.active + left.breaking.active).toBe(0);
    expect(left).toEqual(await counted());
  });

  it('an import counts its readers in the newsletters chosen, and an erasure takes them out', async () => {
    const before = await kept();
    const importer = t().get(ReaderImporter);
    const job = await importer.start({
      // A Mailchimp export: two readers confirmed their address there (CONFIRM_TIME), one did not, one row is bad.
      uploadedPath: uploadedFile(
        'Email Address,CONFIRM_TIME\nimport-1@example.net,2026-01-05 10:00:00\n' +
          'import-2@example.net,2026-02-07 09:30:00\nimport-3@example.net,\nnot-an-address,\n',
      ),
      fileName: 'readers.csv',
      frequency: 'weekly',
      newsletters: ['daily'],
      trustConsent: true,
      startedBy: 'editor@nashra.test',
    });
    await importer.settled(job.id);
    const after = await kept();
    expect(after.daily.active - (before.daily?.active ?? 0)).toBe(2);
    expect(after.daily.pending - (before.daily?.pending ?? 0)).toBe(1);
    expect(after.weekly).toEqual(before.weekly);
    expect(after).toEqual(await counted());

    await t()
      .get(SubscriberPrivacyService)
      .erase(await idOf('import-2@example.net'));
    expect((await kept()).daily.active - (before.daily?.active ?? 0)).toBe(1);
    expect(await kept()).toEqual(await counted());
  });

  it("an import maps a newsletters column: each row joins its own, an empty cell the import's choice", async () => {
    const before = await kept();
    const importer = t().get(ReaderImporter);
    const job = await importer.start({
      uploadedPath: uploadedFile(
        'email,newsletters\n' +
          'column-1@example.net,weekly;breaking\n' +
          'column-2@example.net,"daily, weekly"\n' +
          'column-3@example.net,\n' +
          'column-4@example.net,sport\n',
      ),
      fileName: 'readers.csv',
      frequency: 'daily',
      newsletters: ['breaking'],
      trustConsent: false,
      startedBy: 'editor@nashra.test',
    });
    await importer.settled(job.id);
    const rows: Array<{ email: string; slugs: string[] }> = await t().dataSource.query(
      `SELECT s.email, array_agg(n.slug ORDER BY n.slug) AS slugs
         FROM subscribers s JOIN subscriptions sub ON sub.subscriber_id = s.id JOIN newsletters n ON n.id = sub.newsletter_id
        WHERE s.email LIKE 'column-%' GROUP BY s.email ORDER BY s.email`,
    );
    expect(rows).toEqual([
      { email: 'column-1@example.net', slugs: ['breaking', 'weekly'] },
      { email: 'column-2@example.net', slugs: ['daily', 'weekly'] },
      { email: 'column-3@example.net', slugs: ['breaking'] },
    ]);
    const [done]: Array<{ errors: Array<{ line: number; reason: string }> }> = await t().dataSource.query(
      'SELECT errors FROM reader_imports WHERE id = $1',
      [job.id],
    );
    expect(done.errors).toEqual([{ line: 5, reason: 'لا توجد نشرة بالمعرّف sport' }]);
    const after = await kept();
    expect(after.weekly.pending - (before.weekly?.pending ?? 0)).toBe(2);
    expect(after).toEqual(await counted());
  });

  it("the next edition's audience is read from the kept counts, topics included, and agrees with the readers", async () => {
    await t().dataSource.query(
      `INSERT INTO topics (key, name, followable) VALUES ('economy', 'اقتصاد', true), ('sport', 'رياضة', true)
       ON CONFLICT (key) DO UPDATE SET followable = true`,
    );
    await insertReader(t().dataSource, 'eco@example.org', { topics: ['economy'], newsletters: ['weekly'] });
    await insertReader(t().dataSource, 'sport@example.org', { topics: ['sport'], newsletters: ['weekly'] });
    await insertReader(t().dataSource, 'all@example.org', { newsletters: ['weekly'] });
    const [{ id: weekly }]: Array<{ id: number }> = await t().dataSource.query(
      `SELECT id FROM newsletters WHERE slug = 'weekly'`,
    );
    const article = await insertArticle(t().dataSource, { title: 'الأسواق', topics: ['economy'] });
    const plans = t().get(NextEditionPlanService);
    expect(await plans.audience(weekly, [article])).toEqual({ active: 3, receiving: 2 });

    // A reader who follows sport too now receives the economy edition: their subscriptions move with their topics.
    await t()
      .get(SubscriptionsService)
      .updateSettings(await idOf('sport@example.org'), { topics: ['sport', 'economy'] });
    expect(await plans.audience(weekly, [article])).toEqual({ active: 3, receiving: 3 });
    expect(await kept()).toEqual(await counted());
  });

  it('the nightly recount logs a drift in the readers per newsletter and puts the kept counts right', async () => {
    const truth = await kept();
    const reconciliation = t().get(ReaderCountsReconciliation);
    expect(await reconciliation.runOnce()).toEqual([]);
    // Written around the triggers, as a hand-run statement or a restore might.
    await t().dataSource.query(
      `UPDATE newsletter_reader_counts SET n = n + 5
        WHERE ctid = (SELECT c.ctid FROM newsletter_reader_counts c JOIN newsletters nl ON nl.id = c.newsletter_id
                       WHERE nl.slug = 'weekly' AND c.reader_status = 'active' AND c.status = 'active'
                         AND c.topics = '{}' AND c.n > 0 LIMIT 1)`,
    );
    expect((await kept()).weekly.active).toBe(truth.weekly.active + 5);
    const warnings: string[] = [];
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    try {
      const drifts = await reconciliation.runOnce();
      expect(drifts).toEqual([
        { key: 'newsletter:weekly/active/active/{}', kept: expect.any(Number), counted: expect.any(Number) },
      ]);
      expect(drifts![0].kept - drifts![0].counted).toBe(5);
    } finally {
      warn.mockRestore();
    }
    expect(warnings.some((w) => w.startsWith('Reader count newsletter:weekly/active/active/{}: kept'))).toBe(true);
    expect(await kept()).toEqual(truth);
    expect(await reconciliation.runOnce()).toEqual([]);
  });

  it('the Newsletters screen and the dashboard show the kept figures', async () => {
    await createEditor(t().dataSource, DEFAULT_EDITOR);
    const agent = request.agent(t().baseUrl);
    await signIn(agent, { baseUrl: t().baseUrl, ...DEFAULT_EDITOR });
    const figures = await kept();
    const screen = (await agent.get('/admin/settings/newsletters').expect(200)).text;
    const weeklyRow = /<tr data-newsletter="weekly">(.*?)<\/tr>/s.exec(screen)![1];
    expect(weeklyRow).toContain(`<strong class="active-readers">${figures.weekly.active}</strong>`);
    expect(weeklyRow).toContain(`غادروا: ${figures.weekly.gone}`);
    const dashboard = (await agent.get('/admin').expect(200)).text;
    expect(dashboard).toMatch(
      new RegExp(`<li data-newsletter="weekly">.*?<strong>${figures.weekly.active} قرّاء نشطين</strong>`),
    );
  });
});
