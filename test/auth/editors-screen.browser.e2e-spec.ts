import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';
import { waitFor } from '../helpers/wait-for';

const SCREENSHOTS = join(__dirname, '..', 'screenshots');

/**
 * The Editors screen in Chromium on a phone and a desktop: an owner gives a writer the editor role and the
 * alert grant with the screen's own form, and every control stays on the screen and at least 44 px tall.
 */
describeBrowser('Newsroom: the Editors screen with roles in Chromium', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp({ env: { NASHRA_ROLE: 'web' } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    await createEditor(t.dataSource, {
      email: 'rania@example.net',
      password: 'a-long-password-rania',
      name: 'رانيا الكاتبة',
      role: 'writer',
    });
    await createEditor(t.dataSource, {
      email: 'omar@example.net',
      password: 'a-long-password-omar',
      name: 'عمر',
      role: 'analyst',
    });
    await t.dataSource.query(
      `INSERT INTO api_tokens (name, token_hash, scopes, last_used_at)
       VALUES ('cms', repeat('a', 64), '{articles:write}', now() - interval '2 hours')`,
    );
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  for (const viewport of [PHONE_VIEWPORT, { width: 1280, height: 900 }]) {
    it(`changes a role and grants alerts at ${viewport.width} px`, async () => {
      await t.dataSource.query(`UPDATE editors SET role = 'writer', grants = '{}' WHERE email = 'rania@example.net'`);
      const context = await browser.newContext({ viewport, locale: 'ar' });
      try {
        const page = await context.newPage();
        await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
        await page.goto(`${t.baseUrl}/admin/editors`);
        const rania = async () =>
          (
            (await t.dataSource.query(`SELECT role, grants FROM editors WHERE email = $1`, ['rania@example.net'])) as {
              role: string;
              grants: string[];
            }[]
          )[0];
        const row = () => page.locator('tr', { hasText: 'rania@example.net' });
        await row().getByLabel('دور رانيا الكاتبة').selectOption('editor');
        const [posted] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/role')),
          row().getByRole('button', { name: 'حفظ' }).click(),
        ]);
        expect(posted.status()).toBe(303);
        await waitFor(rania, (r) => r.role === 'editor', 10_000, 'the role to be saved');
        await page.waitForURL(/\/admin\/editors$/);
        await page.waitForLoadState('load');
        await page.getByText('صار دور رانيا الكاتبة: محرر').waitFor({ timeout: 10_000 });
        // Now an editor, the row offers the alert grant.
        await row().getByLabel('يرسل الأخبار العاجلة').check();
        const [granted] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/role')),
          row().getByRole('button', { name: 'حفظ' }).click(),
        ]);
        expect(granted.status()).toBe(303);
        await waitFor(rania, (r) => r.grants.length === 1, 10_000, 'the grant to be saved');
        expect(await rania()).toEqual({ role: 'editor', grants: ['alert.send'] });
        await page.goto(`${t.baseUrl}/admin/editors`);
        expect(await row().getByLabel('يرسل الأخبار العاجلة').isChecked()).toBe(true);

        expect(await page.getAttribute('html', 'dir')).toBe('rtl');
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        expect(overflow).toBeLessThanOrEqual(0);
        const invite = page.getByRole('button', { name: 'إرسال الدعوة' });
        expect((await invite.boundingBox())!.height).toBeGreaterThanOrEqual(44);
        await page.screenshot({ path: join(SCREENSHOTS, `editors-${viewport.width}.png`), fullPage: true });
      } finally {
        await context.close();
      }
    });
  }
});
