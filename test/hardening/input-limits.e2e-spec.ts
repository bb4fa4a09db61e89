import request from 'supertest';
import { QueryFailedError } from 'typeorm';
import { normaliseException } from '../../src/common/http-errors';
import { startTestApp, TestApp } from '../helpers/test-app';

const cursor = (text: string) => Buffer.from(text).toString('base64url');

/** Every repro of issue 11 point 2 answers 400 naming what was wrong, and never reaches the database. */
describe('Hardening: hostile input at the edge of the admin API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = (path: string) => request(t.baseUrl).get(path).set('Authorization', t.editorAuth);
  const pushArticles = (body: string | object) =>
    request(t.baseUrl)
      .post('/admin/articles')
      .set('Authorization', t.editorAuth)
      .type('json')
      .send(typeof body === 'string' ? body : JSON.stringify(body));

  it('a cursor whose id is past the bigint range → 400', async () => {
    const res = await get(`/admin/articles?before=${cursor('2020-01-01T00:00:00.000Z|9223372036854775808')}`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('before is not a cursor from a previous page');
  });

  it('a cursor whose time is outside what PostgreSQL stores (year -271821) → 400', async () => {
    const res = await get(`/admin/articles?before=${cursor('-271821-04-20T00:00:00.000Z|1')}`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('before is not a cursor from a previous page');
    // The largest bigint and an ordinary date still page (to an empty page here).
    await get(`/admin/articles?before=${cursor('2020-01-01T00:00:00.000Z|9223372036854775807')}`).expect(200);
  });

  it('GET /admin/subscribers/9223372036854775808/export → 400 naming id; the largest bigint is a plain 404', async () => {
    const res = await get('/admin/subscribers/9223372036854775808/export');
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(['id must be a positive whole number no larger than 9223372036854775807']);
    await get('/admin/subscribers/9223372036854775807/export').expect(404);
    await get('/admin/subscribers/0/export').expect(400);
    await get('/admin/subscribers/-1/export').expect(400);
  });

  it('DELETE /admin/subscribers/9999999999999999999 → 400 naming id', async () => {
    const res = await request(t.baseUrl)
      .delete('/admin/subscribers/9999999999999999999')
      .set('Authorization', t.editorAuth);
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(['id must be a positive whole number no larger than 9223372036854775807']);
  });

  it('POST /admin/digests with a NUL in the subject → 400 naming subject; nothing is created', async () => {
    const res = await request(t.baseUrl)
      .post('/admin/digests')
      .set('Authorization', t.editorAuth)
      .type('json')
      .send('{"frequency":"weekly","subject":"a\\u0000b"}');
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(['subject must not contain control characters']);
    expect(await t.dataSource.query('SELECT id FROM editions')).toEqual([]);
  });

  it('a NUL in a pushed article title → 400 naming title; in a batch only that article fails, with its reason', async () => {
    const single = await pushArticles('{"url":"https://www.example.net/a","title":"a\\u0000b"}');
    expect(single.status).toBe(400);
    expect(single.body.message).toEqual(['title must not contain control characters']);

    const batch = await pushArticles({
      articles: [
        { url: 'https://www.example.net/good', title: 'خبر سليم' },
        { url: 'https://www.example.net/nul', title: 'a\u0000b' },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body).toMatchObject({ created: 1, failed: 1 });
    expect(batch.body.articles[1]).toEqual({
      outcome: 'failed',
      url: 'https://www.example.net/nul',
      reason: 'articles.1: title must not contain control characters',
    });
    const stored = (await t.dataSource.query('SELECT url FROM articles ORDER BY id')) as Array<{ url: string }>;
    expect(stored.map((r) => r.url)).toEqual(['https://www.example.net/good']);
    // A body or summary may keep its line breaks and tabs.
    await pushArticles({
      url: 'https://www.example.net/lines',
      title: 'سطور',
      bodyHtml: '<p>أ</p>\n\t<p>ب</p>\r\n',
    }).expect(200);
  });

  it('a JSON body nested 5,000 deep (30 KB) → 400 before parsing; 32 levels are still read', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const res = await pushArticles(`{"url":"https://www.example.net/deep","title":"x","topics":${deep}}`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('The JSON body is nested deeper than 32 levels');
    const ok = '['.repeat(30) + ']'.repeat(30);
    // 32 levels (the object and 31 arrays) parse, and the article's own validation answers.
    const within = await pushArticles(`{"url":"https://www.example.net/deep","title":"x","topics":[${ok}]}`);
    expect(within.status).toBe(400);
    expect(String(within.body.message)).toContain('topics');
    // Brackets inside strings do not count.
    await pushArticles({ url: 'https://www.example.net/brackets', title: '['.repeat(900) }).expect(200);
  });

  it('the last net: a value the database refuses becomes a 400 that shows no SQL', async () => {
    const refused = await t.dataSource.query('SELECT $1::bigint', ['9223372036854775808']).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QueryFailedError);
    const mapped = normaliseException(refused) as { getStatus(): number; getResponse(): unknown };
    expect(mapped.getStatus()).toBe(400);
    expect(JSON.stringify(mapped.getResponse())).not.toMatch(/SELECT|bigint|9223372036854775808/);
    const other = new Error('boom');
    expect(normaliseException(other)).toBe(other);
  });
});
