import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { insertEdition, insertSeedArticle } from '../factories/editions';
import { describeBrowser, launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

const SCREENSHOTS = join(__dirname, '..', 'screenshots');

/** An editor signs in in Chromium, on a phone and on a desktop, and lands on a usable dashboard. */
describeBrowser('Newsroom: signing in and the dashboard in Chromium', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp({ env: { NASHRA_ROLE: 'web', FEED_URLS: 'https://www.example.net/feed/' } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    // A month of readers (a few a day, some leaving), one feed, one sent edition: a dashboard worth looking at.
    await t.dataSource.query(
      `INSERT INTO subscribers (email, email_key, status, frequency, created_at, unsubscribed_at)
       SELECT 'r' || i || '@example.net', 'r' || i || '@example.net',
              CASE WHEN i % 9 = 0 THEN 'unsubscribed' WHEN i % 7 = 0 THEN 'pending' ELSE 'active' END,
              CASE WHEN i % 3 = 0 THEN 'weekly' ELSE 'daily' END,
              now() - make_interval(days => (i * 7) % 30, hours => i % 5),
              CASE WHEN i % 9 = 0 THEN now() - make_interval(days => (i * 3) % 10) END
       FROM generate_series(1, 140) i`,
    );
    await t.dataSource.query(
      `INSERT INTO feeds (url, last_status, last_polled_at, last_success_at, items_created)
       VALUES ('https://www.example.net/feed/', 'ok', now(), now(), 37)`,
    );
    const article = await insertSeedArticle(t.dataSource);
    await insertEdition(t.dataSource, { articleIds: [article.id], status: 'sent', subject: 'نشرة الصباح' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  for (const viewport of [PHONE_VIEWPORT, { width: 1280, height: 900 }]) {
    it(`signs in and shows the dashboard at ${viewport.width} px`, async () => {
      const context = await browser.newContext({ viewport, locale: 'ar' });
      try {
        const page = await context.newPage();
        await page.goto(`${t.baseUrl}/`);
        expect(new URL(page.url()).pathname).toBe('/admin/login');
        await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
        expect(new URL(page.url()).pathname).toBe('/admin');
        await page.waitForLoadState('networkidle');
        // Chart.js drew the readers chart from the page's JSON.
        await page.waitForFunction(
          `Boolean(window.Chart && window.Chart.getChart(document.getElementById('reader-chart')))`,
        );
        expect(await page.getAttribute('html', 'dir')).toBe('rtl');
        // Nothing wider than the screen: the nav wraps and tables scroll inside their own box.
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        expect(overflow).toBeLessThanOrEqual(0);
        const signOut = page.getByRole('button', { name: 'خروج' });
        expect((await signOut.boundingBox())!.height).toBeGreaterThanOrEqual(44);
        await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${viewport.width}.png`), fullPage: true });

        await signOut.click();
        await page.waitForURL(/\/admin\/login$/);
        await page.goto(`${t.baseUrl}/admin`);
        expect(new URL(page.url()).pathname).toBe('/admin/login');
      } finally {
        await context.close();
      }
    });
  }
});
