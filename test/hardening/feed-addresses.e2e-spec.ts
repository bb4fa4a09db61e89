import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { FeedPoller } from '../../src/articles/feed-poller';
import { Feed } from '../../src/articles/feed.entity';
import { rssFeed } from '../factories/articles';
import { FeedServer } from '../articles/feed-server';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

const REFUSED = 'تعذّر الوصول إلى هذا العنوان، أو أنه غير مسموح به لجلب التغذيات.';

async function newsroom(t: TestApp): Promise<{ agent: TestAgent; addFeed: (url: string) => request.Test }> {
  await createEditor(t.dataSource);
  const agent = request.agent(t.baseUrl);
  const { csrfToken } = await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
  return {
    agent,
    addFeed: (url) => agent.post('/admin/settings/feeds').type('form').send({ _csrf: csrfToken, url }),
  };
}

/** Issue 19, item 3: feed URLs never reach loopback, private or link-local addresses unless allowed. */
describe('Feed addresses without FEED_ALLOW_PRIVATE_HOSTS', () => {
  let t: TestApp;
  let server: FeedServer;

  beforeAll(async () => {
    server = await FeedServer.start();
    server.serve('/feed.xml', 'application/rss+xml', () => rssFeed([]));
    t = await startTestApp({ env: { FEED_ALLOW_PRIVATE_HOSTS: '', FEED_URLS: server.url('/feed.xml') } });
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  let editor: Awaited<ReturnType<typeof newsroom>>;

  it('refuses a loopback feed from the newsroom with one neutral message, and never contacts it', async () => {
    editor = await newsroom(t);
    const { addFeed } = editor;
    const port = new URL(server.url('/')).port;
    for (const url of [
      server.url('/feed.xml'),
      `http://localhost:${port}/feed.xml`,
      `http://[::1]:${port}/feed.xml`,
      `http://[::ffff:127.0.0.1]:${port}/feed.xml`,
      `http://[::ffff:7f00:1]:${port}/feed.xml`,
      `http://0.0.0.0:${port}/feed.xml`,
      `http://2130706433:${port}/feed.xml`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/feed',
      'http://192.168.1.1/feed',
      'http://[fd00::1]/feed',
      'http://[fe80::1]/feed',
      'http://224.0.0.1/feed',
    ]) {
      const res = await addFeed(url);
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(res.text).toContain(REFUSED);
      expect(res.text).not.toMatch(/ECONN|EAI_|UND_ERR|ENOTFOUND/);
    }
    expect(server.requests).toEqual([]);
    const rows = await t.dataSource.getRepository(Feed).find();
    expect(rows.filter((r) => r.addedBy)).toEqual([]);
  });

  it('does not fetch a loopback feed listed in FEED_URLS either: its status says unreachable', async () => {
    const poller = t.get(FeedPoller);
    const port = new URL(server.url('/')).port;
    // A literal address is refused before connecting; a name is refused by the lookup the socket uses.
    for (const url of [server.url('/feed.xml'), `http://localhost:${port}/feed.xml`]) {
      expect(await poller.pollFeed(url)).toMatchObject({ status: 'error', error: 'unreachable' });
    }
    expect(server.requests).toEqual([]);
    const page = await editor.agent.get('/admin/settings/feeds').expect(200);
    expect(page.text).toContain('تعذّر الوصول إلى العنوان');
    expect(page.text).not.toMatch(/ECONN|EAI_|UND_ERR|refused:/);
  });
});

describe('Feed addresses with one allowed local port', () => {
  let t: TestApp;
  let allowed: FeedServer;
  let other: FeedServer;

  beforeAll(async () => {
    allowed = await FeedServer.start();
    other = await FeedServer.start();
    const target = other.serve('/feed.xml', 'application/rss+xml', () => rssFeed([]));
    allowed.serve('/feed.xml', 'application/rss+xml', () => rssFeed([]));
    allowed.route('/moved.xml', (_req, res) => res.writeHead(301, { location: target }).end());
    allowed.route('/to-metadata.xml', (_req, res) =>
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    );
    const host = new URL(allowed.url('/')).host;
    t = await startTestApp({ env: { FEED_ALLOW_PRIVATE_HOSTS: host } });
  });
  afterAll(async () => {
    await t?.close();
    await allowed?.close();
    await other?.close();
  });

  it('admits the allowed feed from the newsroom and polls it', async () => {
    const { addFeed } = await newsroom(t);
    await addFeed(allowed.url('/feed.xml')).expect(303);
    expect(await t.get(FeedPoller).pollFeed(allowed.url('/feed.xml'))).toMatchObject({ status: 'ok' });
    // Another port of the same address is not allowed.
    const res = await addFeed(other.url('/feed.xml'));
    expect(res.status).toBe(400);
    expect(res.text).toContain(REFUSED);
  });

  it('refuses a redirect to a local port that is not allowed, without contacting it', async () => {
    const poller = t.get(FeedPoller);
    for (const path of ['/moved.xml', '/to-metadata.xml']) {
      const result = await poller.pollFeed(allowed.url(path));
      expect(result).toMatchObject({ status: 'error', error: 'unreachable' });
    }
    expect(allowed.requests.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/feed.xml', '/moved.xml', '/to-metadata.xml']),
    );
    expect(other.requests).toEqual([]);
    const row = await t.dataSource.getRepository(Feed).findOneByOrFail({ url: allowed.url('/moved.xml') });
    expect(row.lastError).toBe('unreachable');
  });
});
