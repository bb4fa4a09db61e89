import { parseFeedDocument } from './feed-items';
import { prepareArticle } from './incoming-article';

const now = new Date('2026-11-24T04:00:00Z');
const options = { now, summaryMaxLength: 280, baseUrl: 'https://www.example.net/' };

describe('prepareArticle', () => {
  it('skips items without a usable link', () => {
    expect(prepareArticle({ title: 'x' }, options)).toEqual({ skipped: 'no link' });
    expect(prepareArticle({ title: 'x', link: 'javascript:alert(1)' }, options)).toEqual({
      skipped: 'link is not an http(s) URL',
    });
  });

  it('resolves relative links against the feed site', () => {
    const result = prepareArticle({ title: 'x', link: '/2026/11/a/' }, options);
    expect('article' in result && result.article.url).toBe('https://www.example.net/2026/11/a/');
  });

  it('clamps future and unparseable dates to now and says so', () => {
    const future = prepareArticle({ title: 'x', link: '/a', published: '2100-01-01T00:00:00Z' }, options);
    expect(future).toMatchObject({ article: { publishedAt: now }, notes: ['date in the future, using now'] });
    const odd = prepareArticle({ title: 'x', link: '/a', published: 'الخميس الماضي' }, options);
    expect(odd).toMatchObject({ article: { publishedAt: now }, notes: ['unparseable date, using now'] });
    const none = prepareArticle({ title: 'x', link: '/a' }, options);
    expect(none).toMatchObject({ article: { publishedAt: now }, notes: [] });
  });

  it('takes a title from the text when the item has none, and skips an item with neither', () => {
    const result = prepareArticle({ link: '/a', description: 'خبر عن #كركوك' }, options);
    expect(result).toMatchObject({ article: { title: 'خبر عن كركوك', summary: 'خبر عن كركوك' } });
    expect(prepareArticle({ link: '/a', title: '  ' }, options)).toEqual({ skipped: 'no title and no text' });
  });

  it("drops WordPress's default category but keeps real ones", () => {
    const result = prepareArticle(
      { title: 'x', link: '/a', categories: ['Uncategorized', 'غير مصنف', 'سوريا'] },
      options,
    );
    expect(result).toMatchObject({ article: { topics: [{ key: 'سوريا', name: 'سوريا' }] } });
  });
});

describe('parseFeedDocument', () => {
  it('uses an RSS permalink guid as the link when the item has no <link>', () => {
    const doc = parseFeedDocument(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
      <link>https://www.example.net/</link>
      <item><title>أ</title><guid>https://www.example.net/?p=1</guid></item>
      <item><title>ب</title><guid isPermaLink="false">abc</guid></item>
      <item><title>ج</title><author>editor@example.net (سارة)</author><link>/c</link>
        <enclosure url="https://www.example.net/c.jpg" type="image/jpeg" length="1"/></item>
    </channel></rss>`);
    expect(doc.siteUrl).toBe('https://www.example.net/');
    expect(doc.items.map((i) => i.link)).toEqual(['https://www.example.net/?p=1', null, '/c']);
    expect(doc.items[2]).toMatchObject({ author: 'سارة', imageUrl: 'https://www.example.net/c.jpg' });
  });

  it('refuses what is not a feed', () => {
    expect(() => parseFeedDocument('<html><body>مرحبا</body></html>')).toThrow(/not a feed/);
  });
});
