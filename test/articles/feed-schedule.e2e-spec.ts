import { SchedulerRegistry } from '@nestjs/schedule';
import { Article } from '../../src/articles/article.entity';
import { Client } from 'pg';
import { FEED_POLL_INTERVAL_NAME, FEED_POLL_LOCK_KEY, FeedPoller } from '../../src/articles/feed-poller';
import { fixtureArticleRss } from '../factories/articles';
import { startTestApp, TestApp } from '../helpers/test-app';
import { FeedServer } from './feed-server';

describe('Feed polling schedule', () => {
  let server: FeedServer;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    server = await FeedServer.start();
    server.serve('/feed/', 'application/rss+xml', () => fixtureArticleRss());
  });
  afterAll(async () => {
    for (const app of apps) {
      await app.close();
    }
    await server?.close();
  });

  it('registers the poll interval in worker roles and polls FEED_URLS right after start', async () => {
    const t = await startTestApp({ env: { NASHRA_ROLE: 'all', FEED_URLS: server.url('/feed/') } });
    apps.push(t);
    expect(t.get(SchedulerRegistry).getIntervals()).toContain(FEED_POLL_INTERVAL_NAME);
    const deadline = Date.now() + 10_000;
    while ((await t.dataSource.getRepository(Article).count()) === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await t.dataSource.getRepository(Article).count()).toBe(1);
  });

  it('skips a tick while another instance holds the poll lock', async () => {
    const t = apps[0];
    const other = new Client({ connectionString: t.database.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [FEED_POLL_LOCK_KEY]);
      const before = server.requests.length;
      expect(await t.get(FeedPoller).pollAll()).toEqual({ ran: false, feeds: [] });
      expect(server.requests.length).toBe(before);
      await other.query('SELECT pg_advisory_unlock($1)', [FEED_POLL_LOCK_KEY]);
      const after = await t.get(FeedPoller).pollAll();
      expect(after.ran).toBe(true);
      expect(after.feeds).toEqual([expect.objectContaining({ url: server.url('/feed/'), created: 0 })]);
    } finally {
      await other.end();
    }
  });

  it('does not poll in the web role', async () => {
    const before = server.requests.length;
    const t = await startTestApp({ env: { NASHRA_ROLE: 'web', FEED_URLS: server.url('/feed/') } });
    apps.push(t);
    expect(t.get(SchedulerRegistry).getIntervals()).not.toContain(FEED_POLL_INTERVAL_NAME);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.requests.length).toBe(before);
  });
});
