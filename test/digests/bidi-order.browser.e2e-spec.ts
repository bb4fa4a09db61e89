/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { bidiHtml } from '../../src/digests/bidi-text';
import { HEADLINE_CASES, ISSUE_12_STRINGS } from '../fixtures/bidi-headlines';
import { launchBrowser } from '../helpers/browser';
import { centresIn, unitsOf } from '../helpers/visual-order';

/** The headline paragraph filled with `html`, measured by the shared visual-order helper. */
async function centres(page: Page, html: string, ranges: { start: number; end: number }[]): Promise<number[]> {
  await page.evaluate((markup) => {
    document.getElementById('headline')!.innerHTML = markup;
  }, html);
  return centresIn(page.locator('#headline'), ranges);
}

describe('Digest text: visual order of mixed Arabic–Latin headlines in Chromium', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 300 } });
    await page.setContent(
      `<!doctype html><html lang="ar" dir="rtl"><body><p id="headline" style="white-space:nowrap;` +
        `font:16px Tahoma, 'Segoe UI', Arial, sans-serif"></p></body></html>`,
    );
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function expectReadingOrder(text: string, html: string): Promise<void> {
    const units = unitsOf(text);
    const unitX = await centres(page, html, units);
    // Units (Arabic words, numbers, whole Latin runs) go right to left.
    for (let i = 1; i < units.length; i++) {
      expect({
        text,
        after: text.slice(units[i].start, units[i].end),
        isLeftOfPrevious: unitX[i] < unitX[i - 1],
      }).toEqual({
        text,
        after: text.slice(units[i].start, units[i].end),
        isLeftOfPrevious: true,
      });
    }
    // Inside each Latin run the words go left to right.
    for (const unit of units.filter((u) => u.words.length > 1)) {
      const wordX = await centres(page, html, unit.words);
      const words = unit.words.map((w) => text.slice(w.start, w.end));
      const visual = words
        .map((w, i) => ({ w, x: wordX[i] }))
        .sort((a, b) => a.x - b.x)
        .map((v) => v.w);
      expect({ text, visual }).toEqual({ text, visual: words });
    }
  }

  it.each(ISSUE_12_STRINGS)('renders the issue 12 string in reading order: $text', async ({ text }) => {
    await expectReadingOrder(text, bidiHtml(text).toString());
  });

  it.each(HEADLINE_CASES)('renders in reading order: $text', async ({ text, html }) => {
    await expectReadingOrder(text, html);
  });

  it('catches the word-by-word wrapping issue 12 reports (the check can fail)', async () => {
    const text = "شركة Apple's iPhone تتصدر";
    const wordByWord = 'شركة <span dir="ltr">Apple</span>\'<span dir="ltr">s iPhone</span> تتصدر';
    await expect(expectReadingOrder(text, wordByWord)).rejects.toThrow();
  });
});
