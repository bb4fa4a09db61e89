/// <reference lib="dom" />
import type { Locator, Page } from 'playwright-core';
import { latinRuns } from '../../src/digests/bidi-text';

export interface Unit {
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
export function unitsOf(text: string): Unit[] {
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

/**
 * Where character ranges of an element's text are drawn, in CSS pixels: each range's horizontal centre and top.
 * `oneLine` keeps the text on one line and measures a range's whole box (a range split by bidi runs included);
 * otherwise the lines wrap as they are and a range is measured by its first box.
 */
export function drawnRanges(
  element: Locator,
  ranges: { start: number; end: number }[],
  { oneLine }: { oneLine: boolean },
): Promise<Array<{ x: number; top: number }>> {
  return element.evaluate(
    (el, { ranges, oneLine }) => {
      if (oneLine) {
        (el as HTMLElement).style.whiteSpace = 'nowrap';
      }
      const nodes: { node: Text; from: number }[] = [];
      let offset = 0;
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
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
        const box = oneLine ? range.getBoundingClientRect() : range.getClientRects()[0];
        return { x: box.left + box.width / 2, top: box.top };
      });
    },
    { ranges, oneLine },
  );
}

/** Horizontal centres of character ranges of an element's text as drawn (kept on one line), in CSS pixels. */
export async function centresIn(element: Locator, ranges: { start: number; end: number }[]): Promise<number[]> {
  return (await drawnRanges(element, ranges, { oneLine: true })).map((box) => box.x);
}

/**
 * The reading-order failures of a headline drawn in an element whose text is exactly `text`: units (Arabic words,
 * numbers, whole Latin runs) must go right to left, the words inside each Latin run left to right. Empty when the
 * headline reads right.
 */
export async function readingOrderFailures(element: Locator, text: string): Promise<string[]> {
  const failures: string[] = [];
  const shown = await element.textContent();
  if (shown !== text) {
    return [`element text ${JSON.stringify(shown)} is not ${JSON.stringify(text)}`];
  }
  const units = unitsOf(text);
  const unitX = await centresIn(element, units);
  for (let i = 1; i < units.length; i++) {
    if (!(unitX[i] < unitX[i - 1])) {
      failures.push(`«${text.slice(units[i].start, units[i].end)}» is not left of the unit before it in «${text}»`);
    }
  }
  for (const unit of units.filter((u) => u.words.length > 1)) {
    const wordX = await centresIn(element, unit.words);
    const words = unit.words.map((w) => text.slice(w.start, w.end));
    const visual = words
      .map((w, i) => ({ w, x: wordX[i] }))
      .sort((a, b) => a.x - b.x)
      .map((v) => v.w);
    if (visual.join(' ') !== words.join(' ')) {
      failures.push(`Latin run drawn as «${visual.join(' ')}» in «${text}»`);
    }
  }
  return failures;
}

/** Sets a page's content to one headline paragraph styled like the digest's text, for checking markup alone. */
export async function headlinePage(page: Page): Promise<Locator> {
  await page.setContent(
    `<!doctype html><html lang="ar" dir="rtl"><body><p id="headline" style="white-space:nowrap;` +
      `font:16px Tahoma, 'Segoe UI', Arial, sans-serif"></p></body></html>`,
  );
  return page.locator('#headline');
}
