import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeBrowser, launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { createEditor, DEFAULT_EDITOR, EditorCredentials } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

const SCREENSHOTS = join(__dirname, '..', 'screenshots');
const DESKTOP = { width: 1280, height: 900 };

/** Screenshots of the current page at both widths (the page is reloaded at each size). */
async function shoot(page: Page, name: string): Promise<void> {
  for (const viewport of [PHONE_VIEWPORT, DESKTOP]) {
    await page.setViewportSize(viewport);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect([name, viewport.width, overflow <= 0]).toEqual([name, viewport.width, true]);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${viewport.width}.png`), fullPage: true });
  }
}

/** Signs in with the keyboard only: type the email, Tab, the password, Enter. */
async function typePassword(page: Page, baseUrl: string, editor: EditorCredentials): Promise<void> {
  await page.goto(`${baseUrl}/admin/login`);
  await page.focus('#email');
  await page.keyboard.type(editor.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(editor.password);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/admin/login'), page.keyboard.press('Enter')]);
}

async function signOut(page: Page): Promise<void> {
  await Promise.all([page.waitForURL(/\/admin\/login$/), page.getByRole('button', { name: 'خروج' }).click()]);
}

/**
 * Two-step sign-in in Chromium: an authenticator app set up and used by keyboard alone, and a passkey made and
 * used with the DevTools virtual authenticator (WebAuthn.addVirtualAuthenticator over CDP).
 */
describeBrowser('Two-step sign-in in Chromium', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    // WebAuthn needs a domain as relying party (not an IP address): the app is addressed as localhost.
    t = await startTestApp({ host: 'localhost', env: { NASHRA_ROLE: 'web' } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('sets up an authenticator app and signs in with its code, by keyboard alone', async () => {
    const editor = { ...DEFAULT_EDITOR, email: 'totp@nashra.test' };
    await createEditor(t.dataSource, editor);
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'ar' });
    try {
      const page = await context.newPage();
      await typePassword(page, t.baseUrl, editor);
      expect(new URL(page.url()).pathname).toBe('/admin');

      await page.goto(`${t.baseUrl}/admin/account`);
      await page.getByRole('link', { name: 'إعداد تطبيق المصادقة' }).focus();
      await Promise.all([page.waitForURL(/\/admin\/account\/totp$/), page.keyboard.press('Enter')]);
      await shoot(page, 'two-step-setup');
      const secret = (await page.textContent('.totp-secret'))!.trim();
      const totp = new TOTP({ secret: Secret.fromBase32(secret) });
      await page.focus('#code');
      await page.keyboard.type(totp.generate());
      await Promise.all([
        page.waitForURL(/recovery-codes/, { waitUntil: 'domcontentloaded' }),
        page.keyboard.press('Enter'),
      ]);
      expect(await page.locator('.recovery-codes li').count()).toBe(10);
      await shoot(page, 'two-step-recovery-codes');
      await page.getByRole('link', { name: 'حفظتها، تابع' }).click();
      await signOut(page);

      await typePassword(page, t.baseUrl, editor);
      expect(new URL(page.url()).pathname).toBe('/admin/login/second-step');
      // The code field has the focus: type and press Enter.
      expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('code');
      await shoot(page, 'two-step-sign-in');
      await page.keyboard.type(totp.generate({ timestamp: Date.now() + 30_000 }));
      await Promise.all([page.waitForURL((url) => url.pathname === '/admin'), page.keyboard.press('Enter')]);
      expect(await page.textContent('main')).toContain('لوحة التحكم');
    } finally {
      await context.close();
    }
  });

  it('registers a passkey on the Account screen, then signs in with it: after the password, and without one', async () => {
    const editor = { ...DEFAULT_EDITOR, email: 'passkey@nashra.test' };
    const editorId = await createEditor(t.dataSource, editor);
    const context: BrowserContext = await browser.newContext({ viewport: DESKTOP, locale: 'ar' });
    try {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });

      await typePassword(page, t.baseUrl, editor);
      await page.goto(`${t.baseUrl}/admin/account`);
      await page.fill('#passkey-name', 'حاسوب المكتب');
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/admin/account/passkeys') && r.status() === 200),
        page.getByRole('button', { name: 'إضافة مفتاح مرور' }).click(),
      ]);
      // The first factor comes with ten recovery codes.
      await page.waitForURL(/\/admin\/account\/recovery-codes$/);
      expect(await page.textContent('main')).toContain('أضفنا مفتاح المرور إلى حسابك.');
      expect(await page.locator('.recovery-codes li').count()).toBe(10);
      await page.getByRole('link', { name: 'حفظتها، تابع' }).click();
      await page.waitForURL(/\/admin\/account$/);
      expect(await page.textContent('.passkeys')).toContain('حاسوب المكتب');
      const stored = (await t.dataSource.query(`SELECT name FROM editor_passkeys WHERE editor_id = $1`, [
        editorId,
      ])) as { name: string }[];
      expect(stored).toEqual([{ name: 'حاسوب المكتب' }]);
      await shoot(page, 'two-step-account');
      await signOut(page);

      // As the second step: the password, then the passkey.
      await typePassword(page, t.baseUrl, editor);
      expect(new URL(page.url()).pathname).toBe('/admin/login/second-step');
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/admin'),
        page.getByRole('button', { name: 'استخدم مفتاح المرور' }).click(),
      ]);
      await signOut(page);

      // As the whole sign-in: no email, no password.
      await shoot(page, 'sign-in');
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/admin'),
        page.getByRole('button', { name: 'الدخول بمفتاح مرور' }).click(),
      ]);
      expect(await page.textContent('footer')).toContain(editor.email);
      const sessions = (await t.dataSource.query(
        `SELECT count(*)::int AS n FROM editor_sessions WHERE sess->>'editorId' = $1 AND sess->>'secondStepAt' IS NOT NULL`,
        [editorId],
      )) as { n: number }[];
      expect(sessions[0].n).toBeGreaterThanOrEqual(1);
      const how = (await t.dataSource.query(
        `SELECT detail->>'method' AS method, detail->>'secondStep' AS step FROM audit_log
         WHERE action = 'editor.sign-in' AND editor_id = $1 ORDER BY id`,
        [editorId],
      )) as { method: string; step: string | null }[];
      expect(how.slice(-2)).toEqual([
        { method: 'password', step: 'passkey' },
        { method: 'passkey', step: 'passkey' },
      ]);
    } finally {
      await context.close();
    }
  });
  it('leads an editor to set up a second step at sign-in when the newsroom requires one', async () => {
    const editor = { ...DEFAULT_EDITOR, email: 'required@nashra.test' };
    await createEditor(t.dataSource, editor);
    await t.dataSource.query(`UPDATE newsroom_settings SET require_second_step = true`);
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'ar' });
    try {
      const page = await context.newPage();
      await typePassword(page, t.baseUrl, editor);
      expect(new URL(page.url()).pathname).toBe('/admin/login/setup');
      await shoot(page, 'two-step-required');
      const secret = (await page.textContent('.totp-secret'))!.trim();
      await page.focus('#code');
      await page.keyboard.type(new TOTP({ secret: Secret.fromBase32(secret) }).generate());
      await Promise.all([
        page.waitForURL(/recovery-codes/, { waitUntil: 'domcontentloaded' }),
        page.keyboard.press('Enter'),
      ]);
      await page.getByRole('link', { name: 'حفظتها، تابع' }).click();
      await page.waitForURL((url) => url.pathname === '/admin');
      expect(await page.textContent('footer')).toContain(editor.email);
    } finally {
      await t.dataSource.query(`UPDATE newsroom_settings SET require_second_step = false`);
      await context.close();
    }
  });
});
