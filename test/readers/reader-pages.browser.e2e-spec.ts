import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ReaderEmails } from '../../src/subscribers/reader-emails';
import { SubscriberLinks } from '../../src/subscribers/subscriber-links';
import { insertReader } from '../delivery/ledger-fixtures';
import { insertFixtureArticle } from '../factories/editions';
import { describeBrowser, launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { startTestApp, TestApp } from '../helpers/test-app';
import { ARABIC } from './reader-steps';

const SCREENSHOTS = join(__dirname, '..', 'screenshots');
const DESKTOP = { width: 1280, height: 800 } as const;
const VIEWPORTS = [PHONE_VIEWPORT, DESKTOP];
// Read in the page (the test's TypeScript has no DOM types).
const OVERFLOW = 'document.scrollingElement.scrollWidth - window.innerWidth';

/** What a reader sees first on any of these pages: right to left, nothing wider than the screen. */
async function readsRightToLeft(page: Page): Promise<void> {
  expect(await page.getAttribute('html', 'dir')).toBe('rtl');
  expect(await page.evaluate<string>('getComputedStyle(document.body).direction')).toBe('rtl');
  expect(await page.evaluate<number>(OVERFLOW)).toBeLessThanOrEqual(0);
}

describeBrowser('Readers: the preferences and keep-me pages in Chromium', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp({ env: { NASHRA_ROLE: 'web' } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const trackClicks = async (id: string) =>
    (await t.dataSource.query('SELECT track_clicks FROM subscribers WHERE id = $1', [id]))[0].track_clicks as boolean;

  it('filters topics as the reader types, ignoring hamza forms, and never hides a followed one', async () => {
    for (const name of ['إيران', 'العراق', 'سوريا', 'الأردن']) {
      await t.dataSource.query('INSERT INTO topics (key, name) VALUES ($1, $2)', [name.replace(/[أإ]/g, 'ا'), name]);
    }
    const me = await insertReader(t.dataSource, 'search@example.net', { topics: ['سوريا'] });
    const page = await browser.newPage({ viewport: PHONE_VIEWPORT });
    await page.goto(t.get(SubscriberLinks).preferencesUrl(me));
    await page.getByLabel('ابحث عن موضوع').fill('ايران');
    const visible = await page
      .locator('.topics label[data-topic]:visible')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-topic')));
    expect(visible.sort()).toEqual(['إيران', 'سوريا'].sort());
    await page.close();
  });

  it('«لا تتبّع نقراتي» is a labelled checkbox whose choice survives saving and coming back, on a phone and a desktop', async () => {
    // The fixture article's hashtags as topics (multi-word ones with underscores), one of them followed.
    await insertFixtureArticle(t.dataSource);
    const me = await insertReader(t.dataSource, 'Reader.Name+news@example.net', { topics: ['الحسكة'] });
    const url = t.get(SubscriberLinks).preferencesUrl(me);
    for (const viewport of VIEWPORTS) {
      const page = await browser.newPage({ viewport, locale: 'ar' });
      await page.goto(url);
      await readsRightToLeft(page);
      const optOut = page.getByRole('checkbox', { name: 'لا تتبّع نقراتي' });
      const wanted = viewport === PHONE_VIEWPORT; // the phone opts out, the desktop opts back in
      expect(await optOut.isChecked()).toBe(!wanted);
      // The label is the target: tapping the words toggles the box.
      await page.getByText('لا تتبّع نقراتي', { exact: true }).click();
      expect(await optOut.isChecked()).toBe(wanted);
      await page.screenshot({ path: join(SCREENSHOTS, `preferences-${viewport.width}.png`), fullPage: true });
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'حفظ' }).click()]);
      expect(await page.getByRole('status').textContent()).toContain('تم حفظ إعداداتك');
      expect(await trackClicks(me)).toBe(!wanted);
      await page.goto(url);
      expect(await page.getByRole('checkbox', { name: 'لا تتبّع نقراتي' }).isChecked()).toBe(wanted);
      await page.close();
    }
  });

  it("the sunset email's keep link opens a page whose button keeps the reader and says so in Arabic", async () => {
    const me = await insertReader(t.dataSource, 'quiet.reader@example.net');
    await t.dataSource.query(`UPDATE subscribers SET last_engaged_at = now() - interval '400 days' WHERE id = $1`, [
      me,
    ]);
    const url = t.get(ReaderEmails).keepUrl(t.get(SubscriberLinks).token(me));
    for (const viewport of VIEWPORTS) {
      const page = await browser.newPage({ viewport, locale: 'ar' });
      await page.goto(url);
      await readsRightToLeft(page);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('البقاء في النشرة');
      await page.screenshot({ path: join(SCREENSHOTS, `keep-${viewport.width}.png`), fullPage: true });
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'أبقوني مشتركاً' }).click()]);
      await readsRightToLeft(page);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('سنبقيك مشتركاً');
      expect(await page.getByRole('status').textContent()).toMatch(ARABIC);
      expect(await page.getByRole('status').textContent()).toContain('ستستمر نشرة');
      if (viewport === PHONE_VIEWPORT) {
        await page.screenshot({ path: join(SCREENSHOTS, 'keep-done-375.png'), fullPage: true });
      }
      await page.close();
    }
    const [row] = await t.dataSource.query(
      `SELECT status, last_engaged_at > now() - interval '1 hour' AS engaged FROM subscribers WHERE id = $1`,
      [me],
    );
    expect(row).toEqual({ status: 'active', engaged: true });
  });
});
