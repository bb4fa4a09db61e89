import fc from 'fast-check';
import { htmlToPlainText } from '../articles/article-content';
import { prepareArticle } from '../articles/incoming-article';
import { ltrSpansToIsolates } from '../common/ltr-isolates';
import { bidiHtml, bidiPlain, urlsAndEmails } from './bidi-text';

/*
 * Issue 19: no text an article, a feed or a form can carry may take the process more than a moment. Each property
 * builds hostile strings (a megabyte of one word, deep brackets, repeated separators, Arabic and Latin mixed, URL
 * and e-mail fragments) and pushes them through ingest and the bidi isolation of the render and the text part.
 * The budget is per string and loose on purpose, a guard and not a timing goal: the quadratic patterns this
 * replaces took seconds at 100,000 characters and minutes at a megabyte; the loops take tens of milliseconds, and
 * ingest of a megabyte (sanitize-html over the body) about one second on a quiet machine, more on a busy CI run.
 */
const BUDGET_MS = 10_000;

const PIECES = [
  'x',
  'ب',
  'عربي ',
  'Latin ',
  ' ',
  '_',
  '.',
  '@',
  'a@',
  '@b.c',
  '+',
  '-',
  '#',
  '#وسم_',
  '(',
  ')',
  '[',
  ']',
  '«',
  '»',
  '"',
  "'",
  '<',
  '>',
  '<p>',
  '</p>',
  '<b>',
  '&amp;',
  '&',
  ';',
  'http://',
  'https://x.y/',
  'The post ',
  ' appeared first on ',
  '[…]',
  '5G',
  '٢٠٢٤',
  '،',
  '\n',
  '\t',
  '\u2066',
  '😀',
];

function repeatTo(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

/** A string of `size` characters made of a short pattern of hostile pieces, repeated. */
const hostile = fc
  .tuple(
    fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 6 }),
    fc.integer({ min: 20_000, max: 1_000_000 }),
  )
  .map(([unit, size]) => repeatTo(unit.join(''), size));

/** Deep brackets and tags: `((((…a…))))`, `<b><b>…`, unbalanced either way. */
const deep = fc
  .tuple(
    fc.constantFrom(['(', ')'], ['[', ']'], ['<b>', '</b>'], ['<p>', '</p>'], ['“', '”'], ['<div>', '']),
    fc.integer({ min: 1_000, max: 100_000 }),
    fc.integer({ min: 0, max: 100_000 }),
    fc.constantFrom('a', 'ب', 'https://x.y/', 'a@b.cd', ' '),
  )
  .map(([[open, close], opens, closes, middle]) => open.repeat(opens) + middle + close.repeat(closes));

function timed<T>(what: string, run: () => T): T {
  const started = performance.now();
  const result = run();
  const ms = performance.now() - started;
  if (ms > BUDGET_MS) {
    throw new Error(`${what} took ${Math.round(ms)} ms (budget ${BUDGET_MS} ms)`);
  }
  return result;
}

const now = new Date('2026-12-07T09:00:00Z');

function ingest(text: string) {
  return timed('ingest', () =>
    prepareArticle(
      {
        link: 'https://www.example.net/a',
        title: text,
        description: text,
        bodyHtml: `<p>${text}</p>`,
        author: text,
        imageUrl: `https://www.example.net/${text}`,
        categories: [text],
      },
      { now, summaryMaxLength: 280 },
    ),
  );
}

function render(text: string): void {
  timed('bidiHtml', () => bidiHtml(text));
  timed('bidiPlain', () => bidiPlain(text));
  timed('text part', () => ltrSpansToIsolates(bidiHtml(text).toString()));
}

describe('hostile text runs in linear time', () => {
  it('through ingest: every field comes out within its limit', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, deep), (text) => {
        const prepared = ingest(text);
        if ('article' in prepared) {
          const { title, summary, author, topics, imageUrl } = prepared.article;
          expect((imageUrl ?? '').length).toBeLessThanOrEqual(2048);
          expect(Array.from(title).length).toBeLessThanOrEqual(300);
          expect(Array.from(summary).length).toBeLessThanOrEqual(280);
          expect(Array.from(author ?? '').length).toBeLessThanOrEqual(200);
          expect(topics.every((t) => t.key.length <= 200)).toBe(true);
          // What the digest then renders of it.
          render(title);
          render(summary);
        }
      }),
      { numRuns: 25, seed: 19 },
    );
  });

  it('through the bidi isolation of the HTML and the text part, at full size', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, deep), (text) => render(text)),
      { numRuns: 40, seed: 1919 },
    );
  });

  it('through html-to-text, which turns descriptions and bodies into text', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, deep), (text) => {
        timed('htmlToPlainText', () => htmlToPlainText(text.slice(0, 100_000)));
      }),
      { numRuns: 15, seed: 191 },
    );
  });

  it('a 900,000-character word and its e-mail-shaped cousins', () => {
    for (const text of [
      'x'.repeat(900_000),
      'a.'.repeat(450_000),
      `${'a'.repeat(900_000)}@`,
      `a@${'b'.repeat(900_000)}`,
    ]) {
      render(text);
      ingest(text);
    }
  });
});

// The loops must find what the pattern they replace found.
const URL_OR_EMAIL = /https?:\/\/[^\s<>«»"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gu;

describe('urlsAndEmails', () => {
  it('finds exactly what the old pattern matched, on short mixed strings', () => {
    const piece = fc.constantFrom(
      'a',
      'Z',
      '9',
      '_',
      '.',
      '+',
      '-',
      '@',
      ':',
      '/',
      'http://',
      'https://',
      'h',
      ' ',
      'ب',
      '«',
      '"',
      '<',
      '(',
      ')',
      '😀',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join('');
        const expected = [...text.matchAll(URL_OR_EMAIL)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
        expect(urlsAndEmails(text)).toEqual(expected);
      }),
      { numRuns: 3000, seed: 7 },
    );
  });
});
