import request from 'supertest';
import { SubscriberLinks } from '../../src/subscribers/subscriber-links';
import { insertReader } from '../delivery/ledger-fixtures';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('Readers: topics on the preferences page', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { NASHRA_ROLE: 'web' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('groups topics (yours, most followed, all) with the most followed first, and offers a search box', async () => {
    const topics = ['العراق', 'سوريا', 'ديالي', 'كورونا', 'اقتصاد'];
    for (const key of topics) {
      await t.dataSource.query('INSERT INTO topics (key, name) VALUES ($1, $1)', [key]);
    }
    // Followers: سوريا 3, كورونا 2, العراق 1; ديالي and اقتصاد none.
    const follows = [['سوريا', 'كورونا'], ['سوريا', 'كورونا'], ['سوريا'], ['العراق']];
    for (const [i, keys] of follows.entries()) {
      await insertReader(t.dataSource, `follower${i}@example.net`, { topics: keys });
    }
    const me = await insertReader(t.dataSource, 'me@example.net', { topics: ['ديالي'] });
    const url = new URL(t.get(SubscriberLinks).preferencesUrl(me));
    const page = await request(t.baseUrl)
      .get(url.pathname + url.search)
      .expect(200);

    const headings = [...page.text.matchAll(/<h2[^>]*>([^<]+)<\/h2>/g)].map((m) => m[1]);
    expect(headings).toEqual(['مواضيعك', 'الأكثر متابعة', 'كل المواضيع']);
    const order = [...page.text.matchAll(/data-topic="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['ديالي', 'سوريا', 'كورونا', 'العراق', 'اقتصاد']);
    expect(page.text).toContain('<input id="topic-search" type="search"');
  });
});
