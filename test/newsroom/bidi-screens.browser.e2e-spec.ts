import type { Browser, Page } from 'playwright-core';
import { insertArticle } from '../factories/articles';
import { insertEdition } from '../factories/editions';
import { ISSUE_12_STRINGS, ISSUE_23_STRINGS } from '../fixtures/bidi-headlines';
import { describeBrowser, launchBrowser } from '../helpers/browser';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';
import { readingOrderFailures } from '../helpers/visual-order';

/**
 * The five headlines the digest's bidi test checks first (test/digests/bidi-order.browser.e2e-spec.ts) and the ones
 * issue 23 saw scrambled, shown on the newsroom's screens: each must pass the same visual-order check in Chromium as
 * in the email (test/helpers/visual-order.ts), Latin runs in order, numbers and quote marks on the right side.
 */
describeBrowser('Newsroom: mixed Arabic–Latin headlines read right on every screen that shows them', () => {
  const clock = new FakeClock(new Date('2026-11-24T09:00:00Z'));
  const headlines = [...ISSUE_12_STRINGS, ...ISSUE_23_STRINGS].map((c) => c.text);
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let editionId: string;

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { NASHRA_ROLE: 'web' } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    // Yesterday's copies went out in a sent edition (its sending screen); today's wait for the next digest.
    const ids: string[] = [];
    for (const [i, title] of headlines.entries()) {
      await insertArticle(t.dataSource, {
        title,
        publishedAt: new Date(Date.parse('2026-11-24T08:00:00Z') - i * 60_000),
      });
      const sent = await insertArticle(t.dataSource, {
        title,
        publishedAt: new Date(Date.parse('2026-11-23T08:00:00Z') - i * 60_000),
      });
      ids.push(sent.id);
    }
    editionId = (await insertEdition(t.dataSource, { articleIds: ids, status: 'sent', subject: headlines[0] })).id;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'ar' });
    await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function failuresOn(path: string, selector: string): Promise<string[]> {
    await page.goto(`${t.baseUrl}${path}`);
    const failures: string[] = [];
    for (const text of headlines) {
      const element = page.locator(selector).filter({ hasText: text }).first();
      failures.push(...(await readingOrderFailures(element, text)).map((f) => `${path}: ${f}`));
    }
    return failures;
  }

  it('in the next-digest list', async () => {
    expect(await failuresOn('/admin/next', '.plan-article-text > a')).toEqual([]);
  });

  it('on the breaking screen', async () => {
    expect(await failuresOn('/admin/breaking', '.candidate .title')).toEqual([]);
  });

  it('the check fails on a bare title (the way these screens printed them before)', async () => {
    await page.setContent(`<p dir="rtl" lang="ar" id="bare">${ISSUE_23_STRINGS[0].text}</p>`);
    expect(await readingOrderFailures(page.locator('#bare'), ISSUE_23_STRINGS[0].text)).not.toEqual([]);
  });

  it('on the sending screen of an edition', async () => {
    expect(await failuresOn(`/admin/editions/${editionId}`, 'ol.articles a')).toEqual([]);
  });
});
