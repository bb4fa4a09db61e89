import { SchedulerRegistry } from '@nestjs/schedule';
import { Article } from '../../src/articles/article.entity';
import { FEED_POLL_INTERVAL_NAME } from '../../src/articles/feed-poller';
import { seedArticleRss } from '../factories/articles';
import { startTestApp, TestApp } from '../helpers/test-app';
import { FeedServer } from './feed-server';

describe('Feed polling schedule', () => {
  let server: FeedServer;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    server = await FeedServer.start();
    server.serve('/feed/', 'application/rss+xml', () => seedArticleRss());
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

  it('does not poll in the web role', async () => {
    const before = server.requests.length;
    const t = await startTestApp({ env: { NASHRA_ROLE: 'web', FEED_URLS: server.url('/feed/') } });
    apps.push(t);
    expect(t.get(SchedulerRegistry).getIntervals()).not.toContain(FEED_POLL_INTERVAL_NAME);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.requests.length).toBe(before);
  });
});
