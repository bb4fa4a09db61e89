import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { insertReaders } from '../delivery/ledger-fixtures';
import { insertArticle } from '../factories/articles';
import { SEED_ARTICLE_TITLE } from '../factories/editions';
import { PROJECT_ROOT } from '../helpers/app-process';
import { launchBrowser } from '../helpers/browser';
import { signIn } from '../helpers/editor-session';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';

const run = promisify(execFile);
const EDITOR = { email: 'rania@nashra.test', name: 'رانيا', password: 'rania-long-password-2026' };
const READERS = 60;
// Read in the page (the test's TypeScript has no DOM types).
// The Next digest screens come from the nextdigest branch; until it is merged this story cannot be told, and
// once it is, the file exists for good and the test always runs.
const NEXT_DIGEST_SCREEN = existsSync(join(PROJECT_ROOT, 'src', 'newsroom', 'next-digest.controller.ts'));
const BAR_FULL = `document.querySelector('#progress')?.getAttribute('data-percent') === '100'`;

/** The visible text of the next digest's preview once it shows `expected`. */
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
 * Issue 10's first "done when", end to end in Chromium against the real app, PostgreSQL and SMTP server: an
 * editor made with `npm run editor:create` signs in, shapes the next digest, sends a test, sends to all, watches
 * the bar reach 100 % on the sending screen without a reload, and finds the edition in the history with the
 * counts the ledger holds.
 */
describe('Newsroom, the whole story: from editor:create to the edition in the history', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** An entry of the newsroom's menu. */
  const nav = (label: string) => page.locator('nav.nav').getByRole('link', { name: label, exact: true });

  beforeAll(async () => {
    sink = await SmtpSink.start();
    // A send rate slow enough that the editor sees the bar move.
    t = await startTestApp({ env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '8', DELIVERY_BATCH_SIZE: '10' } });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ar' });
    page = await context.newPage();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
    await sink?.stop();
  });

  (NEXT_DIGEST_SCREEN ? it : it.skip)(
    'an editor made by editor:create shapes, tests, sends and follows the next digest',
    async () => {
      const ds = t.dataSource;
      const { stdout } = await run(
        'npm',
        [
          'run',
          '--silent',
          'editor:create',
          '--',
          '--email',
          EDITOR.email,
          '--name',
          EDITOR.name,
          '--password',
          EDITOR.password,
        ],
        {
          cwd: PROJECT_ROOT,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: t.database.url, VAR_DIR: t.varDir },
          timeout: 300_000,
        },
      );
      expect(stdout).toContain(`Editor created: ${EDITOR.email}`);
      expect(stdout).not.toContain(EDITOR.password);

      const readers = await insertReaders(ds, { count: READERS, prefix: 'story-', frequency: 'daily' });
      const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
      await insertArticle(ds, { title: SEED_ARTICLE_TITLE, publishedAt: minutesAgo(10) });
      const dropped = await insertArticle(ds, { title: 'مقال سيحذفه المحرر', publishedAt: minutesAgo(20) });
      const lead = await insertArticle(ds, { title: 'الخبر الذي سيتصدر النشرة', publishedAt: minutesAgo(30) });

      await signIn(page, { baseUrl: t.baseUrl, ...EDITOR });
      await nav('العدد القادم').click();
      await page.waitForURL(/\/admin\/next/);
      const initial = await previewText(page, SEED_ARTICLE_TITLE);
      expect(initial).toContain(dropped.title);

      await page.locator(`li[data-article-id="${dropped.id}"]`).getByRole('button', { name: 'احذف' }).click();
      await page.locator(`.plan-dropped li[data-article-id="${dropped.id}"]`).waitFor();
      await page
        .locator(`li[data-article-id="${lead.id}"]`)
        .getByRole('button', { name: 'اجعله الخبر الرئيسي' })
        .click();
      await page.locator(`.plan-articles li.lead[data-article-id="${lead.id}"]`).waitFor();
      const shaped = await previewText(page, lead.title);
      expect(shaped).not.toContain(dropped.title);
      expect(shaped.indexOf(lead.title)).toBeLessThan(shaped.indexOf(SEED_ARTICLE_TITLE));

      const subject = 'نشرة اليوم كما حرّرتها رانيا';
      await page.fill('#subject', subject);
      await Promise.all([page.waitForURL(/\/admin\/next\?/), page.click('form[action="/admin/next/texts"] button')]);

      await Promise.all([page.waitForURL(/\/admin\/next/), page.click('form[action="/admin/next/test"] button')]);
      const [test] = await sink.waitForMessages(1);
      expect(test.to).toEqual([EDITOR.email]);
      expect(test.parsed.subject).toContain(subject);
      sink.clear();

      await Promise.all([
        page.waitForURL(/\/admin\/next\/confirm/),
        page.getByRole('button', { name: 'أرسل الآن…' }).click(),
      ]);
      expect(await page.locator('.audience').innerText()).toContain(`سيصل إلى ${READERS} قارئًا`);
      // Confirming lands on the new edition's sending screen, where the editor watches it go out.
      await Promise.all([
        page.waitForURL(/\/admin\/editions\/\d+$/),
        page.getByRole('button', { name: 'نعم، أرسلها الآن' }).click(),
      ]);
      const editionId = /\/admin\/editions\/(\d+)$/.exec(page.url())![1];
      await page.evaluate("window.keptMarker = 'never reloaded'");
      expect(Number(await page.getAttribute('#progress', 'data-percent'))).toBeLessThan(100);
      await page.waitForFunction(BAR_FULL, null, { timeout: 60_000 });
      await page.waitForSelector('#progress[data-status=sent]');
      expect(await page.evaluate('window.keptMarker')).toBe('never reloaded');

      await sink.waitForMessages(READERS);
      await new Promise((r) => setTimeout(r, 1000));
      expect(sink.messages).toHaveLength(READERS);
      expect(readers.every((r) => sink.to(r.email).length === 1)).toBe(true);
      expect(sink.messages.every((m) => m.parsed.subject === subject)).toBe(true);

      // The history shows the counts the ledger holds.
      const ledger = Object.fromEntries(
        (
          (await ds.query(`SELECT status, count(*)::int AS n FROM deliveries WHERE edition_id = $1 GROUP BY 1`, [
            editionId,
          ])) as Array<{ status: string; n: number }>
        ).map((r) => [r.status, r.n]),
      );
      expect(ledger).toEqual({ sent: READERS });
      await nav('الأعداد').click();
      await page.waitForURL(/\/admin\/editions$/);
      const row = page.locator(`tr[data-edition="${editionId}"]`);
      for (const status of ['sent', 'failed', 'bounced', 'skipped', 'remaining']) {
        expect([status, Number(await row.locator(`[data-count=${status}]`).textContent())]).toEqual([
          status,
          ledger[status] ?? 0,
        ]);
      }
      const audit = (await ds.query(`SELECT action FROM audit_log WHERE actor = $1 ORDER BY id`, [EDITOR.email])) as {
        action: string;
      }[];
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['next-digest.drop', 'edition.send']));
    },
  );
});
