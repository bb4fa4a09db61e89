import request from 'supertest';
import type { Response } from 'supertest';
import { Article } from '../../src/articles/article.entity';
import { fixtureArticleParagraphs, insertArticle } from '../factories/articles';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('Push API: POST /admin/articles and GET /admin/articles', () => {
  let t: TestApp;
  const clock = new FakeClock(new Date('2026-11-24T04:00:00Z'));

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  const push = (body: unknown, auth = t.editorAuth) =>
    request(t.baseUrl)
      .post('/admin/articles')
      .set('Authorization', auth)
      .send(body as object);
  const count = async () => t.dataSource.getRepository(Article).count();

  it('requires the editor token', async () => {
    await request(t.baseUrl).post('/admin/articles').send({ url: 'https://x.net/a', title: 'x' }).expect(401);
    await push({ url: 'https://x.net/a', title: 'x' }, 'Bearer wrong-token-wrong-token').expect(401);
    await request(t.baseUrl).get('/admin/articles').expect(401);
    expect(await count()).toBe(0);
  });

  it('creates one article from a CMS push, cleaned like a feed item', async () => {
    const body = fixtureArticleParagraphs()
      .slice(0, 3)
      .map((p) => `<p>${p}</p>`)
      .join('');
    const res = await push({
      url: 'https://www.example.net/2020/05/push-1/',
      guid: 'https://www.example.net/?p=9001',
      title: 'عطش في #القامشلي',
      bodyHtml: body + '<script>alert(1)</script><img src="/i.jpg">',
      author: 'المحرر',
      publishedAt: '2020-05-04T09:30:00Z',
      topics: ['سوريا', 'أمن'],
    }).expect(200);
    expect(res.body).toMatchObject({ created: 1, updated: 0, unchanged: 0, skipped: 0, failed: 0 });
    expect(res.body.articles).toEqual([
      { outcome: 'created', id: expect.any(String), url: 'https://www.example.net/2020/05/push-1/' },
    ]);
    const a = await t.dataSource.getRepository(Article).findOneByOrFail({ id: res.body.articles[0].id });
    expect(a.source).toBe('push');
    expect(a.bodyHtml).not.toContain('script');
    expect(a.imageUrl).toBe('https://www.example.net/i.jpg');
    expect(a.summary).not.toContain('#');
    // Categories, the title's hashtag and the body's, each by key (#أزمة_المياه → ازمة_المياه).
    expect(a.topics).toEqual(
      expect.arrayContaining(['سوريا', 'امن', 'القامشلي', 'الحسكة', 'محطة_علوك', 'ازمة_المياه']),
    );
  });

  it('is idempotent on URL and guid, and updates on an edit', async () => {
    const article = { url: 'https://www.example.net/2020/05/push-2/', guid: 'cms-2', title: 'أول' };
    await push(article).expect(200);
    const again = await push(article).expect(200);
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    // Same guid, new URL (slug changed) and title: the same article, updated.
    const moved = await push({ ...article, url: 'https://www.example.net/2020/05/push-2-renamed/', title: 'ثان' });
    expect(moved.body).toMatchObject({ created: 0, updated: 1 });
    // Same URL, no guid: still the same article.
    const byUrl = await push({ url: 'https://www.example.net/2020/05/push-2-renamed/', title: 'ثالث' });
    expect(byUrl.body).toMatchObject({ created: 0, updated: 1 });
    const rows = await t.dataSource.getRepository(Article).findBy({ guid: 'cms-2' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ url: 'https://www.example.net/2020/05/push-2-renamed/', title: 'ثالث' });
  });

  it('takes a batch and answers counts; a duplicate inside the batch is stored once', async () => {
    const before = await count();
    const res = await push({
      articles: [
        { url: 'https://www.example.net/b/1/', title: 'دفعة ١', publishedAt: '2026-11-20T10:00:00Z' },
        { url: 'https://www.example.net/b/2/', title: 'دفعة ٢', publishedAt: '2026-11-21T10:00:00Z' },
        { url: 'https://www.example.net/b/1/', title: 'دفعة ١ مكرر' },
        { url: 'https://www.example.net/2020/05/push-2-renamed/', title: 'ثالث' },
      ],
    }).expect(200);
    expect(res.body).toMatchObject({ created: 2, updated: 0, unchanged: 1, skipped: 1 });
    expect(await count()).toBe(before + 2);
  });

  it('answers 400 with a JSON message naming the bad fields, and stores nothing', async () => {
    const before = await count();
    const bad = await push({ url: 'javascript:alert(1)', title: '' }).expect(400);
    expect(bad.body.message).toEqual(
      expect.arrayContaining([expect.stringMatching(/^url /), expect.stringMatching(/^title /)]),
    );
    const unknown = await push({ url: 'https://x.net/a', title: 'x', html: '<p>' }).expect(400);
    expect(unknown.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/html should not exist/)]));
    await push({ articles: [] }).expect(400);
    await push([{ url: 'https://x.net/a', title: 'x' }]).expect(400);
    await push({ url: 'https://x.net/a', title: 'x', publishedAt: 'yesterday' }).expect(400);
    expect(await count()).toBe(before);
  });

  it('in a batch, a bad article fails alone with the reason naming its fields; the others are stored', async () => {
    const before = await count();
    const batch = await push({ articles: [{ url: 'https://x.net/ok', title: 'ok' }, { title: 'no url' }] }).expect(200);
    expect(batch.body).toMatchObject({ created: 1, failed: 1 });
    expect(batch.body.articles[1].outcome).toBe('failed');
    expect(batch.body.articles[1].reason).toMatch(/^articles\.1: url /);
    expect(await count()).toBe(before + 1);
  });

  it('keeps a script title as text in the JSON list', async () => {
    await push({ url: 'https://www.example.net/xss/', title: '<script>alert(1)</script>' }).expect(200);
    const res = await request(t.baseUrl).get('/admin/articles').set('Authorization', t.editorAuth).expect(200);
    const listed = res.body.articles.find((a: { url: string }) => a.url === 'https://www.example.net/xss/');
    expect(listed.title).toBe('<script>alert(1)</script>');
  });

  it('lists newest first with keyset paging and topic display names', async () => {
    // Same published_at for several articles: the id breaks the tie, so no page repeats or skips one.
    for (let i = 0; i < 5; i++) {
      await insertArticle(t.dataSource, {
        title: `متزامن ${i}`,
        publishedAt: '2026-11-23T12:00:00Z',
        topics: ['صلاح الدين'],
      });
    }
    const all = await t.dataSource.getRepository(Article).find({ order: { publishedAt: 'DESC', id: 'DESC' } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await request(t.baseUrl)
        .get('/admin/articles')
        .query({ limit: 3, ...(cursor ? { before: cursor } : {}) })
        .set('Authorization', t.editorAuth)
        .expect(200);
      expect(res.body.articles.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.articles.map((a: { id: string }) => a.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((a) => a.id));

    const list = await request(t.baseUrl).get('/admin/articles?limit=100').set('Authorization', t.editorAuth);
    const tagged = list.body.articles.find((a: { title: string }) => a.title === 'متزامن 0');
    expect(tagged.topics).toEqual([{ key: 'صلاح_الدين', name: 'صلاح الدين' }]);
  });

  it('answers 400 to a bad limit or cursor', async () => {
    for (const query of ['limit=0', 'limit=1000', 'limit=abc', 'before=not-a-cursor']) {
      const res = await request(t.baseUrl).get(`/admin/articles?${query}`).set('Authorization', t.editorAuth);
      expect(res.status).toBe(400);
      expect(res.body.message).toBeDefined();
    }
  });
});

describe('A script title in the digest preview', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is shown as escaped text, never as markup', async () => {
    await request(t.baseUrl)
      .post('/admin/articles')
      .set('Authorization', t.editorAuth)
      .send({ url: 'https://www.example.net/xss-preview/', title: '<script>alert(1)</script>', summary: 'ملخص' })
      .expect(200);
    const res = await request(t.baseUrl)
      .get('/admin/digests/preview?frequency=daily')
      .set('Authorization', t.editorAuth)
      .expect(200);
    expect(res.text).toContain('https://www.example.net/xss-preview/');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.text).not.toContain('<script>alert(1)');
  });
});
