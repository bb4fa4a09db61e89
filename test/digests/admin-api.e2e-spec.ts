import request from 'supertest';
import { TransactionalWorker } from '../../src/delivery/transactional-worker';
import type { DataSource } from 'typeorm';
import { READER_PLACEHOLDERS } from '../../src/common/reader-placeholders';
import { DigestScheduler } from '../../src/digests/digest-scheduler';
import { insertArticle } from '../factories/articles';
import { insertFixtureArticle, FIXTURE_ARTICLE_TITLE, squash } from '../factories/editions';
import { FakeClock } from '../helpers/fake-clock';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';

const SITE_URL = 'https://www.example.net';

describe("Editors' digest API", () => {
  const clock = new FakeClock(new Date('2026-11-24T04:00:00Z'));
  let t: TestApp;
  let ds: DataSource;
  let sink: SmtpSink;
  let auth: string;
  const editionCount = async () => Number((await ds.query('SELECT count(*) AS n FROM editions'))[0].n);

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ clock, env: { NASHRA_ROLE: 'web', SMTP_URL: sink.url, SITE_URL } });
    // Test sends go through the transactional outbox: a worker sends them (this web process plays one).
    t.get(TransactionalWorker).start();
    ds = t.dataSource;
    auth = t.editorAuth;
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('answers 401 on every /admin/digests route without the editor token, and with a wrong one', async () => {
    const doc = (await request(t.baseUrl).get('/admin/docs-json').set('Authorization', t.editorAuth).expect(200))
      .body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/admin/digests'))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => ({ method, path: path.replace('{id}', '1') })),
      );
    expect(routes.length).toBeGreaterThanOrEqual(9);
    const client = request(t.baseUrl) as unknown as Record<string, (p: string) => request.Test>;
    for (const { method, path } of routes) {
      const res = await client[method](`${path}?frequency=daily`).send({ frequency: 'daily', to: ['a@example.net'] });
      expect([method, path, res.status]).toEqual([method, path, 401]);
      const wrong = await client[method](`${path}?frequency=daily`).set(
        'Authorization',
        'Bearer not-the-editor-token-at-all',
      );
      expect([method, path, wrong.status]).toEqual([method, path, 401]);
    }
    expect(await editionCount()).toBe(0);
  });

  it('preview answers 409 with a message when there is nothing new, and 400 on a bad frequency', async () => {
    const none = await request(t.baseUrl).get('/admin/digests/preview?frequency=daily').set('Authorization', auth);
    expect(none.status).toBe(409);
    expect(none.body.message).toMatch(/No new daily articles/);
    const bad = await request(t.baseUrl).get('/admin/digests/preview?frequency=hourly').set('Authorization', auth);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toContain('frequency must be daily or weekly');
  });

  describe('with articles', () => {
    let seedId: string;
    let otherId: string;

    beforeAll(async () => {
      seedId = (await insertFixtureArticle(ds, { publishedAt: '2026-11-23T09:00:00Z' })).id;
      otherId = (await insertArticle(ds, { title: 'خبر ثانٍ عن بغداد', publishedAt: '2026-11-23T12:00:00Z' })).id;
    });

    it('previews the next edition as HTML with harmless links, saving nothing', async () => {
      const res = await request(t.baseUrl)
        .get('/admin/digests/preview?frequency=daily')
        .set('Authorization', auth)
        .expect(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toMatch(/<html[^>]*dir="rtl"/);
      expect(res.text).toContain(FIXTURE_ARTICLE_TITLE);
      expect(res.text).not.toContain(READER_PLACEHOLDERS.unsubscribeUrl);
      expect(res.text).toContain(`href="${SITE_URL}"`);
      expect(await editionCount()).toBe(0);
    });

    it('previews as JSON: subject and the articles in edition order', async () => {
      const res = await request(t.baseUrl)
        .get('/admin/digests/preview?frequency=daily&format=json')
        .set('Authorization', auth)
        .expect(200);
      expect(res.body.articles.map((a: { id: string }) => a.id)).toEqual([otherId, seedId]);
      expect(res.body.subject).toContain('النشرة اليومية');
      expect(res.body.subject).toContain('24 تشرين الثاني 2026');
      expect(await editionCount()).toBe(0);
    });

    it('sends a test to the given addresses only, marked as a test', async () => {
      const res = await request(t.baseUrl)
        .post('/admin/digests/test')
        .set('Authorization', auth)
        .send({ frequency: 'daily', to: ['editor@example.net', 'chief@example.org'] })
        .expect(200);
      expect(res.body).toMatchObject({ sent: 2, queued: 0 });
      const messages = await sink.waitForMessages(2);
      expect(messages.flatMap((m) => m.to).sort()).toEqual(['chief@example.org', 'editor@example.net']);
      for (const m of messages) {
        expect(m.parsed.subject).toMatch(/^\[تجربة\] /);
        expect(m.parsed.headers.get('x-nashra-test')).toBe('1');
        expect(m.parsed.html).toContain(FIXTURE_ARTICLE_TITLE);
        expect(m.parsed.html).not.toContain('NASHRA-');
        expect(squash(m.parsed.text ?? '')).toContain(FIXTURE_ARTICLE_TITLE);
      }
      expect(await editionCount()).toBe(0);
    });

    it('refuses test sends to more than 10 addresses or to something that is not an address', async () => {
      const many = Array.from({ length: 11 }, (_, i) => `r${i}@example.net`);
      const tooMany = await request(t.baseUrl)
        .post('/admin/digests/test')
        .set('Authorization', auth)
        .send({ frequency: 'daily', to: many });
      expect(tooMany.status).toBe(400);
      expect(JSON.stringify(tooMany.body.message)).toContain('at most 10');
      const notAddress = await request(t.baseUrl)
        .post('/admin/digests/test')
        .set('Authorization', auth)
        .send({ frequency: 'daily', to: ['not-an-address'] });
      expect(notAddress.status).toBe(400);
      expect(sink.messages).toHaveLength(2);
    });

    it('creates an edition now, hands it on, and the scheduled edition does not repeat its articles', async () => {
      const res = await request(t.baseUrl)
        .post('/admin/digests')
        .set('Authorization', auth)
        .send({ frequency: 'daily' })
        .expect(201);
      expect(res.body.status).toBe('sending');
      expect(res.body.triggeredBy).toBe('editor');
      expect(res.body.key).toMatch(/^daily:2026-11-24\/editor-\d+$/);
      expect(res.body.articles.map((a: { id: string }) => a.id)).toEqual([otherId, seedId]);
      expect(res.body.viewUrl).toBe(`${t.baseUrl}/digests/${res.body.id}`);

      // Nothing new since: creating again is refused, and the scheduled run is skipped.
      const again = await request(t.baseUrl)
        .post('/admin/digests')
        .set('Authorization', auth)
        .send({ frequency: 'daily' });
      expect(again.status).toBe(409);
      clock.set('2026-11-24T04:00:05Z');
      const scheduled = await t.get(DigestScheduler).runScheduled('daily');
      expect(scheduled!.key).toBe('daily:2026-11-24');
      expect(scheduled!.status).toBe('skipped');
    });

    it('creates an edition of chosen articles in the chosen order with a chosen subject; unknown ids are a 400', async () => {
      const res = await request(t.baseUrl)
        .post('/admin/digests')
        .set('Authorization', auth)
        .send({ frequency: 'weekly', articleIds: [seedId, otherId], subject: 'عدد خاص عن العراق' })
        .expect(201);
      expect(res.body.articleIds).toEqual([seedId, otherId]);
      expect(res.body.subject).toBe('عدد خاص عن العراق');
      const unknown = await request(t.baseUrl)
        .post('/admin/digests')
        .set('Authorization', auth)
        .send({ frequency: 'weekly', articleIds: ['999999'] });
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toContain('999999');
    });

    it('pauses, resumes and cancels with 409 for transitions that are not allowed and 404 for unknown editions', async () => {
      const created = await request(t.baseUrl)
        .post('/admin/digests')
        .set('Authorization', auth)
        .send({ frequency: 'daily', articleIds: [seedId] })
        .expect(201);
      const id = created.body.id as string;
      const post = (path: string) => request(t.baseUrl).post(path).set('Authorization', auth);

      expect((await post(`/admin/digests/${id}/pause`).expect(200)).body.status).toBe('paused');
      const pausedTwice = await post(`/admin/digests/${id}/pause`).expect(409);
      expect(pausedTwice.body.message).toContain('paused');
      expect((await post(`/admin/digests/${id}/resume`).expect(200)).body.status).toBe('sending');
      expect((await post(`/admin/digests/${id}/cancel`).expect(200)).body.status).toBe('cancelled');
      await post(`/admin/digests/${id}/resume`).expect(409);
      await post(`/admin/digests/${id}/cancel`).expect(409);
      await post('/admin/digests/987654/pause').expect(404);
      // Not an id at all: refused before any query, naming the parameter.
      expect((await post('/admin/digests/abc/cancel').expect(400)).body.message).toEqual([
        'id must be a positive whole number no larger than 9223372036854775807',
      ]);
      const row = await ds.query('SELECT status FROM editions WHERE id = $1', [id]);
      expect(row[0].status).toBe('cancelled');
    });

    it('lists the history newest first, paged, with per-status delivery counts, and shows one edition', async () => {
      const first = await request(t.baseUrl).get('/admin/digests?limit=2').set('Authorization', auth).expect(200);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.nextBefore).toBe(first.body.items[1].id);
      const ids: string[] = first.body.items.map((e: { id: string }) => e.id);
      let before = first.body.nextBefore as string | null;
      while (before) {
        const page = await request(t.baseUrl)
          .get(`/admin/digests?limit=2&before=${before}`)
          .set('Authorization', auth)
          .expect(200);
        ids.push(...page.body.items.map((e: { id: string }) => e.id));
        before = page.body.nextBefore;
      }
      const all = await ds.query('SELECT id FROM editions ORDER BY id DESC');
      expect(ids).toEqual(all.map((r: { id: string }) => r.id));
      expect(first.body.items[0]).not.toHaveProperty('html');
      expect(first.body.items[0]).toHaveProperty('deliveries');

      const skipped = await request(t.baseUrl)
        .get('/admin/digests?status=skipped')
        .set('Authorization', auth)
        .expect(200);
      expect(skipped.body.items.map((e: { key: string }) => e.key)).toEqual(['daily:2026-11-24']);

      const detail = await request(t.baseUrl)
        .get(`/admin/digests/${ids[ids.length - 1]}`)
        .set('Authorization', auth)
        .expect(200);
      expect(detail.body.articles.map((a: { title: string }) => a.title)).toContain(FIXTURE_ARTICLE_TITLE);
      expect(detail.body).toHaveProperty('deliveries');
      await request(t.baseUrl).get('/admin/digests/424242').set('Authorization', auth).expect(404);
      await request(t.baseUrl).get('/admin/digests?limit=500').set('Authorization', auth).expect(400);
    });

    it('shows a sending edition publicly without any reader link, and 404s the others in Arabic', async () => {
      const rows: { id: string; status: string }[] = await ds.query('SELECT id, status FROM editions ORDER BY id');
      const sending = rows.find((r) => r.status === 'sending')!;
      const res = await request(t.baseUrl).get(`/digests/${sending.id}`).expect(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain(FIXTURE_ARTICLE_TITLE);
      expect(res.text).not.toContain('NASHRA-');
      expect(res.text).not.toContain('token=');
      expect(res.text).toContain(`href="${SITE_URL}"`);

      for (const hidden of rows.filter((r) => r.status !== 'sending' && r.status !== 'sent')) {
        const gone = await request(t.baseUrl).get(`/digests/${hidden.id}`).expect(404);
        expect(gone.text).toContain('هذه النشرة غير متاحة');
      }
      await request(t.baseUrl).get('/digests/999999').expect(404);
      await request(t.baseUrl).get('/digests/not-a-number').expect(404);
    });
  });
});
