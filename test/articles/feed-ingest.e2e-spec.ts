import request from 'supertest';
import { Article } from '../../src/articles/article.entity';
import { FeedPoller } from '../../src/articles/feed-poller';
import { topicKey } from '../../src/articles/topics';
import {
  FIXTURE_ARTICLE_CATEGORIES,
  FIXTURE_ARTICLE_GUID,
  FIXTURE_ARTICLE_IMAGE,
  FIXTURE_ARTICLE_LINK,
  FIXTURE_ARTICLE_TITLE,
  fixtureArticleHashtags,
  fixtureArticleParagraphs,
  fixtureArticleRss,
  rssFeed,
} from '../factories/articles';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';
import { FeedServer } from './feed-server';

const SUMMARY_MAX = 120;

describe('Feed ingest (WordPress RSS, Atom, JSON Feed)', () => {
  let t: TestApp;
  let server: FeedServer;
  let poller: FeedPoller;
  const clock = new FakeClock(new Date('2026-11-24T04:00:00Z'));

  beforeAll(async () => {
    server = await FeedServer.start();
    t = await startTestApp({ clock, env: { SUMMARY_MAX_LENGTH: String(SUMMARY_MAX) } });
    poller = t.get(FeedPoller);
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  const articles = () => t.dataSource.getRepository(Article).find({ order: { id: 'ASC' } });

  describe('the fixture article as a WordPress feed', () => {
    let version = 1;
    let item = {};
    let feedUrl: string;

    beforeAll(() => {
      feedUrl = server.serve(
        '/wp/feed/',
        'application/rss+xml; charset=UTF-8',
        () => fixtureArticleRss(item),
        () => `"wp-${version}"`,
      );
    });

    it('is ingested into one article with its hashtags and categories as topics', async () => {
      const result = await poller.pollFeed(feedUrl);
      expect(result).toMatchObject({ status: 'ok', itemsSeen: 1, created: 1, updated: 0, skipped: 0 });

      const [article, ...others] = await articles();
      expect(others).toHaveLength(0);
      expect(article).toMatchObject({
        url: FIXTURE_ARTICLE_LINK,
        guid: FIXTURE_ARTICLE_GUID,
        title: FIXTURE_ARTICLE_TITLE,
        author: 'فريق التحرير',
        imageUrl: FIXTURE_ARTICLE_IMAGE,
        source: feedUrl,
      });
      expect(article.publishedAt.toISOString()).toBe('2023-08-15T07:45:00.000Z');

      expect(article.topics).toEqual(
        expect.arrayContaining(['الحسكة', 'محطة_علوك', 'منظمة_الصحة_العالمية', 'الامم_المتحدة', 'ايران']),
      );
      // Every hashtag of the fixture, once per key (24 spellings, 20 topics: #ســوريا/#سوريا, #إيران/#ايران,
      // #أزمة_المياه/#ازمة_المياه and #الحسكة/#الحَسَكة are one topic each); plus the categories (سوريا is both).
      const expected = new Set([...FIXTURE_ARTICLE_CATEGORIES, ...fixtureArticleHashtags()].map(topicKey));
      expect(new Set(article.topics)).toEqual(expected);
      expect(article.topics).toHaveLength(expected.size);
      expect(fixtureArticleHashtags()).toHaveLength(24);
      expect(article.topics).toHaveLength(21);

      const names = await t.dataSource.query(`SELECT key, name FROM topics WHERE key = ANY($1)`, [
        ['منظمة_الصحة_العالمية', 'سوريا', 'ايران', 'اخبار'],
      ]);
      // Display names keep the first spelling seen: the category سوريا before #ســوريا, #إيران before #ايران.
      expect(Object.fromEntries(names.map((r: { key: string; name: string }) => [r.key, r.name]))).toEqual({
        منظمة_الصحة_العالمية: 'منظمة الصحة العالمية',
        سوريا: 'سوريا',
        ايران: 'إيران',
        اخبار: 'أخبار',
      });
    });

    it('has a summary from the first paragraph, without #, cut at a word boundary', async () => {
      const [article] = await articles();
      const firstParagraph = fixtureArticleParagraphs()[0].replace(/#(\S+)/g, (_m, tag: string) =>
        tag.replace(/_/g, ' '),
      );
      expect(article.summary).not.toContain('#');
      expect(article.summary.endsWith('…')).toBe(true);
      expect(Array.from(article.summary).length).toBeLessThanOrEqual(SUMMARY_MAX);
      const kept = article.summary.slice(0, -1);
      expect(firstParagraph.startsWith(kept)).toBe(true);
      // The cut falls between words: the original goes on with a space (after optional punctuation).
      expect(firstParagraph.slice(kept.length)).toMatch(/^[،,]?\s/u);
      expect(kept.length).toBeGreaterThan(SUMMARY_MAX * 0.7);
    });

    it('keeps a sanitised body with absolute links and images', async () => {
      const [article] = await articles();
      const body = article.bodyHtml!;
      expect(body.match(/<p>/g)).toHaveLength(fixtureArticleParagraphs().length);
      expect(body).toContain(
        `<a href="https://www.example.net/tag/${encodeURIComponent('محطة_علوك')}/">#محطة_علوك</a>`,
      );
      expect(body).toContain(`<img src="${FIXTURE_ARTICLE_IMAGE}" alt="" />`);
      expect(body).not.toMatch(/href="\//);
    });

    it('creates nothing new when polled again, and uses the 304 the server sends', async () => {
      const result = await poller.pollFeed(feedUrl);
      expect(result).toMatchObject({ status: 'not_modified', created: 0, updated: 0 });
      const [first, second] = server.requestsTo('/wp/feed/');
      expect(first.headers['if-none-match']).toBeUndefined();
      expect(first.status).toBe(200);
      expect(second.headers['if-none-match']).toBe('"wp-1"');
      expect(second.status).toBe(304);
      expect(await articles()).toHaveLength(1);
    });

    it('creates nothing new when the server sends the same feed again without validators', async () => {
      version = 2; // new ETag, same content
      const result = await poller.pollFeed(feedUrl);
      expect(result).toMatchObject({ status: 'ok', itemsSeen: 1, created: 0, updated: 0 });
      expect(await articles()).toHaveLength(1);
    });

    it('updates the article when the item is edited, keeping its first published_at', async () => {
      const before = (await articles())[0];
      version = 3;
      item = {
        title: 'تحديث: داعش يعود إلى #ديالى',
        pubDate: 'Tue, 05 May 2020 10:00:00 +0000',
        categories: ['العراق', 'أمن'],
      };
      clock.set('2026-11-24T05:00:00Z');
      const result = await poller.pollFeed(feedUrl);
      expect(result).toMatchObject({ status: 'ok', created: 0, updated: 1 });

      const [after, ...others] = await articles();
      expect(others).toHaveLength(0);
      expect(after.id).toBe(before.id);
      expect(after.title).toBe('تحديث: داعش يعود إلى #ديالى');
      expect(after.topics).toContain('امن');
      expect(after.topics).not.toContain('اخبار');
      expect(after.publishedAt.toISOString()).toBe('2023-08-15T07:45:00.000Z');
      expect(after.sourceUpdatedAt?.toISOString()).toBe('2026-11-24T05:00:00.000Z');
    });

    it('shows the outcome of the last poll to editors at GET /admin/feeds', async () => {
      await request(t.baseUrl).get('/admin/feeds').expect(401);
      const res = await request(t.baseUrl).get('/admin/feeds').set('Authorization', t.editorAuth).expect(200);
      expect(res.body.feeds).toEqual([
        expect.objectContaining({
          url: feedUrl,
          lastStatus: 'ok',
          lastError: null,
          itemsSeen: 1,
          itemsCreated: 0,
          itemsUpdated: 1,
          consecutiveFailures: 0,
        }),
      ]);
    });
  });

  it('sanitises bodies from feeds: no scripts, styles, event attributes, iframes or javascript: URLs', async () => {
    const url = server.serve('/evil/feed', 'application/rss+xml', () =>
      rssFeed([
        {
          title: 'مقال مع محتوى خطر',
          link: 'https://www.example.net/evil/',
          guid: 'evil-1',
          contentEncoded:
            '<p onmouseover="steal()">نص <script>alert(1)</script><a href="javascript:alert(2)">رابط</a></p>' +
            '<style>body{display:none}</style><iframe src="https://evil.example/"></iframe>' +
            '<p><img src="x.jpg" onerror="alert(3)"><a href="../about/">عن</a></p>',
        },
      ]),
    );
    await poller.pollFeed(url);
    const article = await t.dataSource.getRepository(Article).findOneByOrFail({ guid: 'evil-1' });
    expect(article.bodyHtml).not.toMatch(/script|style|iframe|onmouseover|onerror|javascript|alert|steal/i);
    expect(article.bodyHtml).toContain('<img src="https://www.example.net/evil/x.jpg" alt="" />');
    expect(article.bodyHtml).toContain('<a href="https://www.example.net/about/">عن</a>');
    expect(article.summary).toBe('نص رابط');
  });

  it('reads Atom feeds (html content, relative links, categories)', async () => {
    const url = server.serve(
      '/atom.xml',
      'application/atom+xml',
      () => `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">
  <title>الحل نت</title><id>urn:example:feed</id><updated>2026-11-23T10:00:00Z</updated>
  <link rel="alternate" href="https://atom.example.net/"/>
  <entry>
    <title type="html">&lt;b&gt;البيشمركة&lt;/b&gt; تستعد</title>
    <link rel="alternate" href="/2026/11/peshmerga/"/>
    <id>tag:atom.example.net,2026:1</id>
    <published>2026-11-23T08:00:00Z</published><updated>2026-11-23T09:00:00Z</updated>
    <author><name>مراسل أربيل</name></author>
    <category term="kurdistan" label="إقليم كردستان"/>
    <summary type="html">&lt;p&gt;قوات #التحالف_الدولي تستأنف التدريب&lt;/p&gt;</summary>
    <content type="html">&lt;p&gt;نص &lt;a href="/tag/x"&gt;الخبر&lt;/a&gt;&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;</content>
  </entry>
</feed>`,
    );
    const result = await poller.pollFeed(url);
    expect(result).toMatchObject({ status: 'ok', itemsSeen: 1, created: 1 });
    const article = await t.dataSource.getRepository(Article).findOneByOrFail({ guid: 'tag:atom.example.net,2026:1' });
    expect(article).toMatchObject({
      url: 'https://atom.example.net/2026/11/peshmerga/',
      title: 'البيشمركة تستعد',
      summary: 'قوات التحالف الدولي تستأنف التدريب',
      author: 'مراسل أربيل',
      bodyHtml: '<p>نص <a href="https://atom.example.net/tag/x">الخبر</a></p>',
    });
    expect(article.topics).toEqual(['اقليم_كردستان', 'التحالف_الدولي']);
    expect(article.publishedAt.toISOString()).toBe('2026-11-23T08:00:00.000Z');
    expect(article.sourceUpdatedAt?.toISOString()).toBe('2026-11-23T09:00:00.000Z');
  });

  it('reads JSON Feed', async () => {
    const url = server.serve('/feed.json', 'application/feed+json', () =>
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'الحل نت',
        home_page_url: 'https://json.example.net/',
        items: [
          {
            id: 'json-1',
            url: 'https://json.example.net/2026/11/mosul/',
            title: 'إعادة إعمار #الموصل',
            content_html: '<p>بدأت أعمال <strong>الإعمار</strong> في #نينوى.</p>',
            image: 'https://json.example.net/mosul.jpg',
            date_published: '2026-11-22T12:00:00+03:00',
            tags: ['إعمار'],
            authors: [{ name: 'سارة' }],
          },
          { id: 'json-2', url: '/relative/', content_text: 'خبر بلا عنوان عن #كركوك' },
        ],
      }),
    );
    const result = await poller.pollFeed(url);
    expect(result).toMatchObject({ status: 'ok', itemsSeen: 2, created: 2 });
    const first = await t.dataSource.getRepository(Article).findOneByOrFail({ guid: 'json-1' });
    expect(first).toMatchObject({
      url: 'https://json.example.net/2026/11/mosul/',
      title: 'إعادة إعمار #الموصل',
      summary: 'بدأت أعمال الإعمار في نينوى.',
      imageUrl: 'https://json.example.net/mosul.jpg',
      author: 'سارة',
      bodyHtml: '<p>بدأت أعمال <strong>الإعمار</strong> في #نينوى.</p>',
    });
    expect(first.topics).toEqual(['اعمار', 'الموصل', 'نينوي']);
    expect(first.publishedAt.toISOString()).toBe('2026-11-22T09:00:00.000Z');
    const second = await t.dataSource.getRepository(Article).findOneByOrFail({ guid: 'json-2' });
    expect(second).toMatchObject({ url: 'https://json.example.net/relative/', title: 'خبر بلا عنوان عن كركوك' });
    expect(second.topics).toEqual(['كركوك']);
  });
});
