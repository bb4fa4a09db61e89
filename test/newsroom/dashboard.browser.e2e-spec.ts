import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

const SCREENSHOTS = join(__dirname, '..', 'screenshots');

/** An editor signs in in Chromium, on a phone and on a desktop, and lands on a usable dashboard. */
describeBrowser('Newsroom: signing in and the dashboard in Chromium', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp();
    await createEditor(t.dataSource, DEFAULT_EDITOR);
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
