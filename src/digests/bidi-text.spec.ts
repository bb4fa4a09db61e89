import { HEADLINE_CASES, ISSUE_12_STRINGS } from '../../test/fixtures/bidi-headlines';
import { ltrSpansToIsolates } from '../common/ltr-isolates';
import { bidiHtml, bidiPlain, latinRuns } from './bidi-text';

describe('bidiHtml', () => {
  it.each(HEADLINE_CASES)('isolates whole Latin runs once: $text', ({ text, html }) => {
    expect(bidiHtml(text).toString()).toBe(html);
  });

  it('pins at least 30 headline shapes', () => {
    expect(HEADLINE_CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(ISSUE_12_STRINGS)('wraps each string issue 12 quotes in exactly one span: $text', ({ text }) => {
    expect(
      bidiHtml(text)
        .toString()
        .match(/<span dir="ltr">/g),
    ).toHaveLength(1);
  });

  it('never lets markup through, inside or outside a run', () => {
    const html = bidiHtml('عنوان <img src=x onerror=alert(1)> & "نص"').toString();
    expect(html).not.toMatch(/<(?!\/?span)/);
    expect(html).toContain('&lt;img');
    expect(html).toContain('&amp;');
  });
});

describe('latinRuns', () => {
  it('keeps a URL whole and leaves the sentence full stop outside', () => {
    const text = 'اقرأ https://example.com/a.b?c=1.';
    const [run] = latinRuns(text);
    expect(text.slice(run.start, run.end)).toBe('https://example.com/a.b?c=1');
  });

  it('splits runs at Arabic letters, Arabic punctuation and «»', () => {
    const text = 'Apple، Google و«Meta» وSamsung';
    expect(latinRuns(text).map((r) => text.slice(r.start, r.end))).toEqual(['Apple', 'Google', 'Meta', 'Samsung']);
  });
});

describe('bidiPlain', () => {
  it('puts Unicode isolates (U+2066…U+2069) around runs that need them, and only those', () => {
    expect(bidiPlain("شركة Apple's iPhone تتصدر")).toBe("شركة \u2066Apple's iPhone\u2069 تتصدر");
    expect(bidiPlain('Apple تطلق')).toBe('Apple تطلق');
    expect(bidiPlain('سجّلت 50 هجوماً في 2024/11')).toBe('سجّلت 50 هجوماً في 2024/11');
  });

  it('matches what ltrSpansToIsolates makes of the HTML', () => {
    for (const { text, html } of HEADLINE_CASES) {
      const plain = ltrSpansToIsolates(html)
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#x27;/g, "'")
        .replace(/&#x3D;/g, '=')
        .replace(/&amp;/g, '&')
        // The text part keeps a run on one line with no-break spaces inside its isolate; the runs are the same.
        .replace(/\u00a0/g, ' ');
      expect(plain).toBe(bidiPlain(text));
    }
  });
});
