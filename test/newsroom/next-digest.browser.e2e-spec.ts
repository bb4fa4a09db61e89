import { join } from 'node:path';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { DigestScheduler } from '../../src/digests/digest-scheduler';
import { Edition } from '../../src/digests/edition.entity';
import { ScheduledEditions } from '../../src/digests/scheduled-editions';
import { insertReaders } from '../delivery/ledger-fixtures';
import { insertArticle } from '../factories/articles';
import { SEED_ARTICLE_TITLE } from '../factories/editions';
import { launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { FakeClock } from '../helpers/fake-clock';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { waitFor } from '../helpers/wait-for';

const SCREENSHOTS = join(__dirname, '..', 'screenshots');
const DESKTOP = { width: 1280, height: 900 };

async function ledgerRows(ds: DataSource, editionId: string): Promise<number> {
  const [row] = (await ds.query('SELECT count(*) AS n FROM deliveries WHERE edition_id = $1', [editionId])) as {
    n: string;
  }[];
  return Number(row.n);
}

async function newestEdition(ds: DataSource): Promise<Edition> {
  return ds.getRepository(Edition).findOneOrFail({ where: {}, order: { id: 'DESC' } });
}

/** The visible text of the preview iframe (the hidden preheader left out), once it shows `expected`. */
async function previewText(page: Page, expected: string): Promise<string> {
  const body = page.frameLocator('#preview-frame').locator('body');
  const deadline = Date.now() + 15_000;
  for (;;) {
    const text = await body.innerText().catch(() => '');
    if (text.includes(expected)) {
      return text;
    }
    if (Date.now() > deadline) {
      throw new Error(`The preview never showed "${expected}"; it shows: ${text.slice(0, 300)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Newsroom → Next digest in Chromium against the real app, PostgreSQL and SMTP server: preview, drop, pin as
 * lead, subject, test send, send to all after the confirmation, schedule; Settings moves the daily run.
 */
describe('Newsroom: the next digest in Chromium', () => {
  // Tuesday 24 Nov 2026, 12:00 in Baghdad.
  const clock = new FakeClock(new Date('2026-11-24T09:00:00Z'));
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ clock, env: { SMTP_URL: sink.url } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: DESKTOP, locale: 'ar' });
    page = await context.newPage();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
    await sink?.stop();
  });

  it('shapes the next edition, sends a test to the editor, then sends to every reader after confirming', async () => {
    const ds = t.dataSource;
    const readers = await insertReaders(ds, { count: 4, prefix: 'browser-reader', frequency: 'daily' });
    const seed = await insertArticle(ds, { title: SEED_ARTICLE_TITLE, publishedAt: '2026-11-24T08:00:00Z' });
    const dropped = await insertArticle(ds, { title: 'مقال سيحذفه المحرر', publishedAt: '2026-11-24T07:00:00Z' });
    const lead = await insertArticle(ds, { title: 'الخبر الذي سيتصدر النشرة', publishedAt: '2026-11-24T06:00:00Z' });

    await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    await page.goto(`${t.baseUrl}/admin/next`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    const initial = await previewText(page, SEED_ARTICLE_TITLE);
    expect(initial).toContain(dropped.title);
    expect(initial.indexOf(SEED_ARTICLE_TITLE)).toBeLessThan(initial.indexOf(lead.title));
    await expect(page.locator('.audience').innerText()).resolves.toContain('سيصل إلى 4 قرّاء');

    // Drop one (htmx swaps the list and the preview in place; no navigation).
    const before = page.url();
    await page.locator(`li[data-article-id="${dropped.id}"]`).getByRole('button', { name: 'احذف' }).click();
    await page.locator(`.plan-dropped li[data-article-id="${dropped.id}"]`).waitFor();
    expect(page.url()).toBe(before);
    await expect(page.locator(`.plan-articles li[data-article-id="${dropped.id}"]`).count()).resolves.toBe(0);

    // Pin the last one as the lead story: first in the list and first in the preview.
    await page.locator(`li[data-article-id="${lead.id}"]`).getByRole('button', { name: 'اجعله الخبر الرئيسي' }).click();
    await page.locator(`.plan-articles li.lead[data-article-id="${lead.id}"]`).waitFor();
    const pinned = await previewText(page, lead.title);
    expect(pinned).not.toContain(dropped.title);
    expect(pinned.indexOf(lead.title)).toBeLessThan(pinned.indexOf(SEED_ARTICLE_TITLE));

    // Subject and editor's note (a plain form post).
    const subject = 'نشرة الثلاثاء: عنوان كتبه المحرر';
    await page.fill('#subject', subject);
    await page.fill('#editorNote', 'صباح الخير، هذه أبرز أخبار اليوم.');
    await Promise.all([
      page.waitForURL(/\/admin\/next\?frequency=daily/),
      page.click('form[action="/admin/next/texts"] button'),
    ]);
    await expect(page.locator('#subject').inputValue()).resolves.toBe(subject);
    await expect(page.locator('.flash-success').innerText()).resolves.toContain('حُفظ');
    const withNote = await previewText(page, 'صباح الخير، هذه أبرز أخبار اليوم.');
    expect(withNote.indexOf('صباح الخير')).toBeLessThan(withNote.indexOf(lead.title));

    await page.screenshot({ path: join(SCREENSHOTS, 'next-digest-1280.png'), fullPage: true });
    const phone = await context.browser()!.newContext({ viewport: PHONE_VIEWPORT, locale: 'ar' });
    try {
      const small = await phone.newPage();
      await signIn(small, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
      await small.goto(`${t.baseUrl}/admin/next`);
      await small.check('#width-phone', { force: true });
      await previewText(small, lead.title);
      const overflow = await small.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      // The email lays out at a phone's 375 px, drawn scaled to the column when that is narrower.
      const frame = await small.locator('#preview-frame').evaluate((el) => ({
        layout: (el as HTMLElement).offsetWidth,
        drawn: Math.round(el.getBoundingClientRect().width),
        column: el.parentElement!.clientWidth,
      }));
      expect(frame.layout).toBe(375);
      expect(frame.drawn).toBe(Math.min(375, frame.column));
      await small.screenshot({ path: join(SCREENSHOTS, 'next-digest-375.png'), fullPage: true });
    } finally {
      await phone.close();
    }

    // Send a test to myself: it arrives at the SMTP server with that subject.
    await Promise.all([page.waitForURL(/\/admin\/next/), page.click('form[action="/admin/next/test"] button')]);
    // Found by subject: signing in from the phone-sized browser above also mailed a new-device notice.
    const test = (await waitFor(
      async () => sink.messages.find((m) => m.parsed.subject?.includes(subject)),
      (m) => m !== undefined,
      15_000,
      'the test email',
    ))!;
    expect(test.to).toEqual([DEFAULT_EDITOR.email]);
    expect(test.parsed.subject).toContain(subject);
    expect(test.parsed.html).toContain('صباح الخير');

    // Send now: the confirmation states the audience; confirming queues one delivery per reader.
    await Promise.all([
      page.waitForURL(/\/admin\/next\/confirm/),
      page.getByRole('button', { name: 'أرسل الآن…' }).click(),
    ]);
    await expect(page.locator('.audience').innerText()).resolves.toContain('سيصل إلى 4 قرّاء');
    await Promise.all([
      page.waitForURL(/\/admin\/editions\/\d+$/),
      page.getByRole('button', { name: 'نعم، أرسلها الآن' }).click(),
    ]);
    const sent = await newestEdition(ds);
    expect(sent.subject).toBe(subject);
    expect(sent.articleIds).toEqual([lead.id, seed.id]);
    expect(await ledgerRows(ds, sent.id)).toBe(readers.length);
    const audit = (await ds.query(`SELECT action FROM audit_log ORDER BY id`)) as { action: string }[];
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'next-digest.drop',
        'next-digest.pin',
        'next-digest.texts',
        'next-digest.test',
        'edition.send',
      ]),
    );
  });

  it('schedules the next edition for a time, and it goes out once when that time comes', async () => {
    const ds = t.dataSource;
    await insertArticle(ds, { title: 'مقال للإرسال المجدول', publishedAt: '2026-11-24T09:30:00Z' });
    clock.set('2026-11-24T10:00:00Z'); // 13:00 in Baghdad
    await page.goto(`${t.baseUrl}/admin/next`);
    await previewText(page, 'مقال للإرسال المجدول');
    await page.fill('#at', '2026-11-24T15:00');
    await Promise.all([page.waitForURL(/\/admin\/next\?/), page.click('form[action="/admin/next/schedule"] button')]);
    await expect(page.locator('.scheduled').innerText()).resolves.toContain('مقال');
    const scheduled = await newestEdition(ds);
    expect(scheduled.status).toBe('scheduled');
    expect(scheduled.scheduledFor?.toISOString()).toBe('2026-11-24T12:00:00.000Z');

    const job = t.get(ScheduledEditions);
    expect(await job.releaseDue()).toEqual([]);
    clock.set('2026-11-24T12:00:05Z');
    const released = await Promise.all([job.releaseDue(), job.releaseDue()]);
    expect(released.flat().map((e) => e.id)).toEqual([scheduled.id]);
    expect(await ledgerRows(ds, scheduled.id)).toBe(4);
  });

  it('changing the daily schedule in Settings moves the next daily edition without a restart', async () => {
    const scheduler = t.get(DigestScheduler);
    clock.set('2026-11-24T12:30:00Z'); // 15:30 in Baghdad: today's 07:00 run has passed
    expect(scheduler.nextRunAt('daily').toISOString()).toBe('2026-11-25T04:00:00.000Z');
    await page.goto(`${t.baseUrl}/admin/settings`);
    await page.fill('#dailyTime', '18:45');
    await Promise.all([
      page.waitForURL(/\/admin\/settings$/),
      page.click('form[action="/admin/settings/digest"] button[type=submit]'),
    ]);
    await expect(page.locator('#dailyTime').inputValue()).resolves.toBe('18:45');
    await expect(page.locator('.flash-success').innerText()).resolves.toContain('حُفظت');
    // Same day, 18:45 in Baghdad = 15:45 UTC; the cron job itself was re-created with the new time.
    expect(scheduler.nextRunAt('daily').toISOString()).toBe('2026-11-24T15:45:00.000Z');
    const job = t.get(SchedulerRegistry).getCronJob('digest-daily');
    expect(job.cronTime.source).toBe('45 18 * * *');
    await expect(page.locator('#settings-digest').innerText()).resolves.toContain('18:45');

    const article = await insertArticle(t.dataSource, { title: 'مقال المساء', publishedAt: '2026-11-24T14:00:00Z' });
    clock.set('2026-11-24T15:45:00Z');
    await job.fireOnTick();
    const deadline = Date.now() + 15000;
    let made: Edition | null = null;
    while (!made && Date.now() < deadline) {
      made = await t.dataSource.getRepository(Edition).findOneBy({ key: 'daily:2026-11-24' });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(made?.triggeredBy).toBe('schedule');
    expect(made?.articleIds).toEqual([article.id]);
  });
});
