import { bidiHtml } from './bidi-text';

describe('bidiHtml', () => {
  it('wraps Latin runs and URLs in an LTR span and leaves Arabic text alone', () => {
    expect(bidiHtml('قال موقع CNN عبر https://example.com/a?b=1 إن').toString()).toBe(
      'قال موقع <span dir="ltr">CNN</span> عبر <span dir="ltr">https://example.com/a?b&#x3D;1</span> إن',
    );
  });

  it('keeps multi-word Latin names in one run', () => {
    expect(bidiHtml('تقرير Human Rights Watch الأخير').toString()).toBe(
      'تقرير <span dir="ltr">Human Rights Watch</span> الأخير',
    );
  });

  it('escapes markup inside and outside Latin runs', () => {
    const html = bidiHtml('عنوان <script>alert(1)</script> & "نص"').toString();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;');
    expect(html).toContain('&amp;');
    expect(html).toContain('&quot;');
  });

  it('leaves purely Arabic text and digits unwrapped', () => {
    expect(bidiHtml('سجّلت نحو 50 هجوماً').toString()).toBe('سجّلت نحو 50 هجوماً');
  });
});
