import {
  cutAtWordBoundary,
  firstBodyImage,
  looksLikeImageUrl,
  makeSummary,
  plainTitle,
  sanitizeBody,
} from './article-content';

const BASE = 'https://www.example.net/2020/05/story/';

describe('sanitizeBody', () => {
  it('removes scripts, styles, iframes and event attributes', () => {
    const html =
      '<p onclick="steal()">نص <script>alert(1)</script><style>p{}</style></p>' +
      '<iframe src="https://evil.example/"></iframe><img src="/a.jpg" onerror="x()"><div><span>باقي</span></div>';
    const out = sanitizeBody(html, BASE);
    expect(out).not.toMatch(/script|style|iframe|onclick|onerror|alert|steal/);
    expect(out).toContain('<p>نص </p>');
    expect(out).toContain('<img src="https://www.example.net/a.jpg" alt="" />');
    expect(out).toContain('باقي');
  });

  it('drops javascript: and data: URLs, keeps http(s) and mailto, makes relative URLs absolute', () => {
    const html =
      '<a href="javascript:alert(1)">أ</a><a href="jav&#x09;ascript:alert(1)">ب</a>' +
      '<a href="../other/">ج</a><a href="mailto:a@example.net">د</a><img src="data:image/png;base64,AAAA">' +
      '<img src="//cdn.example.net/i.jpg"><a href="/tag/%D8%AF/">#د</a>';
    const out = sanitizeBody(html, BASE);
    expect(out).not.toMatch(/javascript|data:/i);
    expect(out).toContain('<a>أ</a>');
    expect(out).toContain('<a href="https://www.example.net/2020/05/other/">ج</a>');
    expect(out).toContain('<a href="mailto:a@example.net">د</a>');
    expect(out).toContain('<img src="https://cdn.example.net/i.jpg" alt="" />');
    expect(out).toContain('<a href="https://www.example.net/tag/%D8%AF/">#د</a>');
  });

  it('keeps the allow-listed structure and the real source of lazy-loaded images', () => {
    const html =
      '<h1>عنوان</h1><figure><img src="data:image/gif;base64,R0l" data-src="/big.jpg" width="640"><figcaption>صورة</figcaption></figure>' +
      '<ul><li><b>غامق</b></li></ul><blockquote><i>اقتباس</i></blockquote><p></p>';
    expect(sanitizeBody(html, BASE)).toBe(
      '<h2>عنوان</h2><figure><img src="https://www.example.net/big.jpg" alt="" width="640" /><figcaption>صورة</figcaption></figure>' +
        '<ul><li><strong>غامق</strong></li></ul><blockquote><em>اقتباس</em></blockquote>',
    );
  });
});

describe('plainTitle', () => {
  it('keeps a script tag in a text title as literal text', () => {
    expect(plainTitle('<script>alert(1)</script>')).toBe('<script>alert(1)</script>');
  });

  it('decodes entities left by double escaping without turning them into markup', () => {
    expect(plainTitle('داعش &#8211; العراق &amp; <b>')).toBe('داعش – العراق & <b>');
  });

  it('turns an HTML title into its text', () => {
    expect(plainTitle('<b>عنوان</b> <script>alert(1)</script>مهم', true)).toBe('عنوان مهم');
  });
});

describe('cutAtWordBoundary', () => {
  it('leaves short text alone', () => {
    expect(cutAtWordBoundary('نص قصير', 20)).toBe('نص قصير');
  });

  it('cuts at the last whole word that fits, with an ellipsis, never mid-word', () => {
    const text = 'يبدو أن داعش بدأ يشكل خطراً حتمياً لا يستهان به في العراق';
    for (let max = 12; max < text.length; max++) {
      const out = cutAtWordBoundary(text, max);
      expect(out.endsWith('…')).toBe(true);
      expect(Array.from(out).length).toBeLessThanOrEqual(max);
      const kept = out.slice(0, -1);
      // Every kept word is a whole word of the original.
      expect(text.startsWith(kept)).toBe(true);
      expect([' ', undefined]).toContain(text[kept.length]);
      // Near the limit: no further whole word would have fitted.
      const next = text.indexOf(' ', kept.length + 1);
      expect(next === -1 || next + 1 > max).toBe(true);
    }
  });

  it('drops trailing punctuation before the ellipsis and cuts an overlong single word at the limit', () => {
    expect(cutAtWordBoundary('قالت مصادر، إن المسلحين بدأوا', 14)).toBe('قالت مصادر…');
    expect(cutAtWordBoundary('كلمةطويلةجداجدا أخرى', 5)).toBe('كلمة…');
    expect(cutAtWordBoundary('x'.repeat(900_000), 300)).toBe(`${'x'.repeat(299)}…`);
  });
});

describe('makeSummary', () => {
  it('uses the description, shows hashtags as words and drops WordPress [&hellip;]', () => {
    expect(makeSummary('<p>بين #صلاح_الدين و #ديالى [&hellip;]</p>', '<p>غير مستخدم</p>', 280)).toBe(
      'بين صلاح الدين و ديالى…',
    );
  });

  it('falls back to the first non-empty paragraph of the body', () => {
    expect(makeSummary(null, '<p> </p><p>الفقرة <a href="/t">#الأولى</a></p><p>الثانية</p>', 280)).toBe(
      'الفقرة الأولى',
    );
  });
});

describe('article pictures', () => {
  it('accepts only http(s) URLs whose path names an image file', () => {
    expect(looksLikeImageUrl('https://www.example.net/wp-content/uploads/2026/11/photo.JPG')).toBe(true);
    expect(looksLikeImageUrl('https://cdn.example.net/img/photo.webp?w=600')).toBe(true);
    expect(looksLikeImageUrl('https://www.example.net/2020/05/story/x')).toBe(false);
    expect(looksLikeImageUrl('https://stats.example.net/pixel?id=1')).toBe(false);
    expect(looksLikeImageUrl('ftp://www.example.net/a.jpg')).toBe(false);
    expect(looksLikeImageUrl('not a url')).toBe(false);
  });

  it('never takes a junk body image (<img src=x onerror=…>) as the article picture', () => {
    const body = sanitizeBody('<p>نص</p><img src=x onerror="alert(1)"><img src="/uploads/real.png">', BASE);
    expect(body).toContain('https://www.example.net/2020/05/story/x');
    expect(firstBodyImage(body)).toBe('https://www.example.net/uploads/real.png');
    expect(firstBodyImage(sanitizeBody('<img src=x onerror="alert(1)">', BASE))).toBeNull();
  });
});
