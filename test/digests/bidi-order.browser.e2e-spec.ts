/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { bidiHtml, latinRuns } from '../../src/digests/bidi-text';
import { HEADLINE_CASES, ISSUE_12_STRINGS } from '../fixtures/bidi-headlines';
import { launchBrowser } from '../helpers/browser';

interface Unit {
  /** Character offsets in the string's text. */
  start: number;
  end: number;
  /** Latin words of a run, as offsets; empty for an Arabic word or a number in the Arabic flow. */
  words: { start: number; end: number }[];
}

/**
 * A headline in logical order: Arabic words, numbers of the Arabic flow and whole Latin runs. A reader reads the
 * units right to left; inside a Latin run the words (and digits) read left to right.
 */
function unitsOf(text: string): Unit[] {
  const runs = latinRuns(text);
  const units: Unit[] = runs.map((r) => ({
    start: r.start,
    end: r.end,
    words: [...text.slice(r.start, r.end).matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({
      start: r.start + m.index,
      end: r.start + m.index + m[0].length,
    })),
  }));
  const inRun = (i: number) => runs.some((r) => i >= r.start && i < r.end);
  for (const m of text.matchAll(/[\p{scx=Arabic}\p{M}]*\p{scx=Arabic}|\p{N}+(?:[/.:]\p{N}+)*/gu)) {
    if (!inRun(m.index) && /[\p{L}\p{N}]/u.test(m[0])) {
      units.push({ start: m.index, end: m.index + m[0].length, words: [] });
    }
  }
  return units.sort((a, b) => a.start - b.start);
}

/** Horizontal centres of the given character ranges of the rendered paragraph, in CSS pixels. */
async function centres(page: Page, html: string, ranges: { start: number; end: number }[]): Promise<number[]> {
  return page.evaluate(
    ({ html, ranges }) => {
      const p = document.getElementById('headline')!;
      p.innerHTML = html;
      const nodes: { node: Text; from: number }[] = [];
      let offset = 0;
      const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        nodes.push({ node: n as Text, from: offset });
        offset += (n as Text).length;
      }
      const at = (i: number, end: boolean) => {
        const hit = nodes.find((x) => (end ? i <= x.from + x.node.length : i < x.from + x.node.length))!;
        return { node: hit.node, offset: i - hit.from };
      };
      return ranges.map(({ start, end }) => {
        const range = document.createRange();
        const a = at(start, false);
        const b = at(end, true);
        range.setStart(a.node, a.offset);
        range.setEnd(b.node, b.offset);
        const box = range.getBoundingClientRect();
        return box.left + box.width / 2;
      });
    },
    { html, ranges },
  );
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
