import request from 'supertest';
import { Article } from '../../src/articles/article.entity';
import { Feed } from '../../src/articles/feed.entity';
import { FeedPoller, PollAllResult } from '../../src/articles/feed-poller';
import { freePort } from '../../src/database/embedded-postgres';
import { rssFeed, fixtureArticleRss } from '../factories/articles';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';
import { FeedServer } from './feed-server';

const MB = 1024 * 1024;

/**
 * Every kind of bad feed and bad item, polled in one tick together with good feeds listed after them: each is
 * recorded with its reason, none stops the poller, the good ones are ingested.
 */
describe('Feed polling with bad input', () => {
  let t: TestApp;
  let server: FeedServer;
  let poller: FeedPoller;
  let hugeBytesSent = 0;
  const clock = new FakeClock(new Date('2026-11-24T04:00:00Z'));
  const urls: Record<string, string> = {};
  let first: PollAllResult;

  beforeAll(async () => {
    server = await FeedServer.start();
    urls.unreachable = `http://127.0.0.1:${await freePort()}/feed`;
    urls.notFound = server.url('/missing.xml');
    urls.serverError = server.route('/error.xml', (_req, res) => {
      res.writeHead(500).end('Internal Server Error');
    });
    urls.html = server.serve('/page.html', 'text/html', () => '<!doctype html><html><body><p>مرحبا</p></body></html>');
    urls.garbage = server.serve('/garbage.xml', 'application/xml', () => '<rss><channel><item><title>مقطوع');
    urls.huge = server.route('/huge.xml', (_req, res) => {
      // 50 MB streamed in 64 KiB chunks (never held in memory), stopping when the client hangs up.
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      const chunk = Buffer.alloc(64 * 1024, ' ');
      res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>');
      const pump = () => {
        while (hugeBytesSent < 50 * MB && !res.destroyed) {
          hugeBytesSent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end('</channel></rss>');
      };
      pump();
    });
    urls.redirectLoop = server.url('/loop/0');
    server.route('/loop/0', (req, res) => res.writeHead(302, { location: '/loop/1' }).end());
    for (let i = 1; i < 10; i++) {
      server.route(`/loop/${i}`, (_req, res) => res.writeHead(302, { location: `/loop/${i + 1}` }).end());
    }
    urls.slow = server.route('/slow.xml', () => {
      // Never answers.
    });
    urls.badItems = server.serve('/bad-items.xml', 'application/rss+xml', () =>
      rssFeed([
        { title: 'بلا رابط', guid: 'no-link-1', pubDate: 'Mon, 23 Nov 2026 10:00:00 +0000' },
        {
          title: 'من المستقبل',
          link: 'https://www.example.net/future/',
          guid: 'future-1',
          pubDate: 'Fri, 01 Jan 2100 00:00:00 +0000',
        },
        { title: 'تاريخ غريب', link: 'https://www.example.net/odd-date/', guid: 'odd-1', pubDate: 'يوم الخميس الماضي' },
        { title: 'النسخة الأولى', link: 'https://www.example.net/dup/', guid: 'dup-1', description: 'الأولى' },
        { title: 'النسخة الثانية', link: 'https://www.example.net/dup-2/', guid: 'dup-1', description: 'الثانية' },
        { title: '<script>alert(1)</script>', link: 'https://www.example.net/xss/', guid: 'xss-1' },
      ]),
    );
    // A good feed behind one redirect, listed after all the bad ones.
    urls.good = server.route('/moved', (_req, res) => res.writeHead(301, { location: '/good.xml' }).end());
    server.serve('/good.xml', 'application/rss+xml', () => fixtureArticleRss());

    t = await startTestApp({
      clock,
      // 5 s: long enough to read the 5 MB cap of the 50 MB body on a loaded machine (1 s once timed out first),
      // short enough that the server that never answers costs the suite little.
      env: { FEED_URLS: Object.values(urls).join(','), FEED_FETCH_TIMEOUT_SECONDS: '5' },
    });
    poller = t.get(FeedPoller);
    first = await poller.pollAll();
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  const feedRow = (url: string) => t.dataSource.getRepository(Feed).findOneByOrFail({ url });
  const resultFor = (url: string) => first.feeds.find((f) => f.url === url)!;

  it('polls every feed in the tick and still ingests the good feed listed last', async () => {
    expect(first.ran).toBe(true);
    expect(first.feeds.map((f) => f.url)).toEqual(Object.values(urls));
    expect(resultFor(urls.good)).toMatchObject({ status: 'ok', created: 1 });
    const article = await t.dataSource.getRepository(Article).findOneByOrFail({ source: urls.good });
    expect(article.topics).toContain('محطة_علوك');
  });

  it.each([
    ['unreachable host', 'unreachable', /^unreachable$/],
    ['HTTP 404', 'notFound', /HTTP 404/],
    ['HTTP 500', 'serverError', /HTTP 500/],
    ['an HTML page', 'html', /not a feed/],
    ['malformed XML', 'garbage', /not a feed/],
    ['a 50 MB body', 'huge', /too large/],
    ['endless redirects', 'redirectLoop', /^unreachable: too many redirects/],
    ['a server that never answers', 'slow', /timed out after 5 s/],
  ])('records %s as an error with its reason', async (_label, key, reason) => {
    expect(resultFor(urls[key])).toMatchObject({ status: 'error', created: 0 });
    const row = await feedRow(urls[key]);
    expect(row.lastStatus).toBe('error');
    expect(row.lastError).toMatch(reason);
    expect(row.lastError!.length).toBeLessThanOrEqual(300);
    expect(row.consecutiveFailures).toBe(1);
  });

  it('stops reading a 50 MB body at the cap instead of downloading it', () => {
    expect(hugeBytesSent).toBeLessThan(25 * MB);
  });

  it('follows at most three redirects', () => {
    expect(server.requests.filter((r) => r.path.startsWith('/loop/'))).toHaveLength(4);
  });

  it('skips items with no link and takes duplicate guids once', async () => {
    expect(resultFor(urls.badItems)).toMatchObject({ status: 'ok', itemsSeen: 6, created: 4, skipped: 2 });
    const rows = await t.dataSource.getRepository(Article).find({ where: { source: urls.badItems } });
    expect(rows.map((a) => a.guid).sort()).toEqual(['dup-1', 'future-1', 'odd-1', 'xss-1']);
    const dup = rows.find((a) => a.guid === 'dup-1')!;
    expect(dup).toMatchObject({ url: 'https://www.example.net/dup/', title: 'النسخة الأولى', summary: 'الأولى' });
  });

  it('clamps future and unparseable dates to now', async () => {
    const repo = t.dataSource.getRepository(Article);
    expect((await repo.findOneByOrFail({ guid: 'future-1' })).publishedAt.toISOString()).toBe(
      '2026-11-24T04:00:00.000Z',
    );
    expect((await repo.findOneByOrFail({ guid: 'odd-1' })).publishedAt.toISOString()).toBe('2026-11-24T04:00:00.000Z');
  });

  it('stores a script title as text and lists it as text, never as markup', async () => {
    const stored = await t.dataSource.getRepository(Article).findOneByOrFail({ guid: 'xss-1' });
    expect(stored.title).toBe('<script>alert(1)</script>');
    const res = await request(t.baseUrl)
      .get('/admin/articles?limit=100')
      .set('Authorization', t.editorAuth)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const listed = res.body.articles.find((a: { url: string }) => a.url === 'https://www.example.net/xss/');
    expect(listed.title).toBe('<script>alert(1)</script>');
  });

  it('retries failed feeds on the next tick, and stays healthy', async () => {
    clock.advance(5 * 60 * 1000);
    const second = await poller.pollAll();
    expect(second.ran).toBe(true);
    expect(second.feeds).toHaveLength(Object.keys(urls).length);
    expect((await feedRow(urls.notFound)).consecutiveFailures).toBe(2);
    expect((await feedRow(urls.good)).lastStatus).toBe('ok');
    expect(server.requestsTo('/missing.xml')).toHaveLength(2);
    // Nothing duplicated by the second pass.
    expect(second.feeds.find((f) => f.url === urls.badItems)).toMatchObject({ created: 0, updated: 0 });
    await request(t.baseUrl).get('/health').expect(200);

    const res = await request(t.baseUrl).get('/admin/feeds').set('Authorization', t.editorAuth).expect(200);
    const byUrl = Object.fromEntries(res.body.feeds.map((f: { url: string }) => [f.url, f]));
    expect(byUrl[urls.huge]).toMatchObject({ lastStatus: 'error', consecutiveFailures: 2, configured: true });
    expect(byUrl[urls.huge].lastError).toMatch(/too large/);
    expect(byUrl[urls.good]).toMatchObject({ lastStatus: 'ok', consecutiveFailures: 0 });
  });
});
