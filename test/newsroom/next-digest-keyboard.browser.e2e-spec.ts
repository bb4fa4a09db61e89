/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { insertArticle } from '../factories/articles';
import { describeBrowser, launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';
import { waitFor } from '../helpers/wait-for';

/** What has focus, in words a failure message can show. */
function focused(page: Page): Promise<{ tag: string; text: string; articleId: string | null; inList: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      tag: el?.tagName.toLowerCase() ?? '',
      text: (el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim().slice(0, 80),
      articleId: el?.closest('[data-article-id]')?.getAttribute('data-article-id') ?? null,
      inList: Boolean(el?.closest('.plan-articles')),
    };
  });
}

/** The preview iframe's drawn width and the width its document lays out at. */
function previewWidths(page: Page): Promise<{ drawn: number; layout: number; column: number }> {
  return page.evaluate(() => {
    const iframe = document.querySelector<HTMLIFrameElement>('#preview-frame')!;
    return {
      drawn: Math.round(iframe.getBoundingClientRect().width),
      layout: iframe.offsetWidth,
      column: iframe.parentElement!.clientWidth,
    };
  });
}

describeBrowser('Newsroom: the next digest by keyboard, and its preview at true width', () => {
  const clock = new FakeClock(new Date('2026-11-24T09:00:00Z'));
  let t: TestApp;
  let browser: Browser;
  const titles = ['الخبر الأول عن بغداد', 'الخبر الثاني عن أربيل', 'الخبر الثالث عن البصرة', 'الخبر الرابع عن الموصل'];

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { NASHRA_ROLE: 'web' } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    for (const [i, title] of titles.entries()) {
      await insertArticle(t.dataSource, {
        title,
        publishedAt: new Date(Date.parse('2026-11-24T08:00:00Z') - i * 60_000),
      });
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signedInPage(viewport: { width: number; height: number }): Promise<Page> {
    const page = await browser.newPage({ viewport, locale: 'ar' });
    await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    await page.goto(`${t.baseUrl}/admin/next?frequency=daily`);
    return page;
  }

  it('pins the second article in at most 10 Tab presses from the top, and focus stays on the list', async () => {
    const page = await signedInPage({ width: 1280, height: 900 });
    const second = await page.locator('.plan-article').nth(1).getAttribute('data-article-id');
    let tabs = 0;
    for (;;) {
      await page.keyboard.press('Tab');
      tabs++;
      const now = await focused(page);
      if (tabs === 1) {
        // The skip link is the first stop: it leads past the menu.
        expect(now.text).toBe('انتقل إلى المحتوى');
        await page.keyboard.press('Enter');
        continue;
      }
      if (now.articleId === second && now.tag === 'button') {
        break;
      }
      if (tabs >= 10) {
        throw new Error(`10 Tab presses and the second article's actions are still not reached (at ${now.text})`);
      }
    }
    // Inside the article's toolbar the arrow keys move to «اجعله الخبر الرئيسي».
    for (let i = 0; i < 4 && !(await focused(page)).text.startsWith('اجعله الخبر الرئيسي'); i++) {
      await page.keyboard.press('ArrowLeft');
    }
    expect((await focused(page)).text).toBe(`اجعله الخبر الرئيسي: ${titles[1]}`);
    await page.keyboard.press('Enter');
    await waitFor(
      () => page.locator('.plan-article').first().getAttribute('data-article-id'),
      (id) => id === second,
      10_000,
      'the second article to lead the list',
    );
    await waitFor(
      () => focused(page),
      (now) => now.inList,
      10_000,
      'focus back on the list',
    );
    expect(await focused(page)).toMatchObject({ articleId: second, tag: 'button', inList: true });
    expect(tabs).toBeLessThanOrEqual(10);
    await page.close();
  });

  it('shows the preview at 600 px on a desktop, scaled to its column, and at 375 px on a phone', async () => {
    const desktop = await signedInPage({ width: 1280, height: 900 });
    const wide = await previewWidths(desktop);
    expect(wide.layout).toBe(600);
    expect(wide.drawn).toBeLessThanOrEqual(Math.max(600, wide.column));
    expect(wide.drawn).toBe(Math.min(600, wide.column));
    await desktop.close();

    const phone = await signedInPage(PHONE_VIEWPORT);
    expect(await phone.isChecked('#width-phone')).toBe(true);
    const narrow = await previewWidths(phone);
    expect(narrow.layout).toBe(375);
    expect(narrow.drawn).toBe(Math.min(375, narrow.column));
    expect(await phone.evaluate('document.scrollingElement.scrollWidth - window.innerWidth')).toBe(0);
    await phone.close();
  });
});
