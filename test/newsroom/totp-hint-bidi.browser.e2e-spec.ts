import type { Browser } from 'playwright-core';
import { describeBrowser, launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';
import { drawnRanges, readingOrderFailures } from '../helpers/visual-order';

/** «مصادقة» and «مثل», the Arabic words either side of the opening bracket. */
const WORD_BEFORE = '\u0645\u0635\u0627\u062f\u0642\u0629';
const LIKE = '\u0645\u062b\u0644';
const HINT = 'افتح تطبيق مصادقة (مثل Google Authenticator أو Microsoft Authenticator أو 1Password).';

/**
 * Issue 23: the authenticator-app hint names three apps in Latin letters inside Arabic parentheses. Drawn at 375 px
 * in Chromium, the Arabic words and the names read right to left, each name left to right, the opening bracket
 * stands right of «مثل» and the closing one left of «1Password», before the full stop.
 */
describeBrowser('The authenticator hint reads right to left at 375 px', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp({ env: { NASHRA_ROLE: 'web' } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('names, brackets and the full stop on their sides', async () => {
    const context = await browser.newContext({ viewport: PHONE_VIEWPORT, locale: 'ar' });
    try {
      const page = await context.newPage();
      await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
      await page.goto(`${t.baseUrl}/admin/account/totp`);
      const hint = page.locator('.totp-setup ol.steps li').first();
      expect(await hint.textContent()).toBe(HINT);
      // The names are isolated as wholes (left to right), so no digit or bracket can wander out of them.
      expect(await hint.locator('[dir="ltr"]').allTextContents()).toEqual([
        'Google Authenticator',
        'Microsoft Authenticator',
        '1Password',
      ]);
      const at = (needle: string, from = 0) => {
        const start = HINT.indexOf(needle, from);
        return { start, end: start + needle.length };
      };

      // As drawn at 375 px, wrapped: each pair on one line in its order, or the later one on a later line.
      const pairs: Array<[string, { start: number; end: number }, { start: number; end: number }, 'rtl' | 'ltr']> = [
        ['opening bracket after the word before it', at(WORD_BEFORE), at('('), 'rtl'],
        ['the word after the opening bracket', at('('), at(LIKE), 'rtl'],
        ['closing bracket after 1Password', at('1Password'), at(')'), 'rtl'],
        ['full stop after the closing bracket', at(')'), at('.', HINT.indexOf(')')), 'rtl'],
        ['Password after 1', at('1'), { start: at('1').end, end: at('1Password').end }, 'ltr'],
      ];
      const boxes = await drawnRanges(
        hint,
        pairs.flatMap(([, a, b]) => [a, b]),
        { oneLine: false },
      );
      const misplaced = pairs.filter(([, , , direction], i) => {
        const [a, b] = [boxes[2 * i], boxes[2 * i + 1]];
        if (Math.abs(a.top - b.top) > 2) {
          return b.top < a.top;
        }
        return direction === 'rtl' ? !(b.x < a.x) : !(b.x > a.x);
      });
      expect(misplaced.map(([name]) => name)).toEqual([]);
      // And on one line, as the digest's headlines are checked: units right to left, each name left to right.
      expect(await readingOrderFailures(hint, HINT)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
