import request from 'supertest';
import { insertArticle } from '../factories/articles';
import { insertReader, waitFor } from '../delivery/ledger-fixtures';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';

const TITLE = 'عاجل من بغداد: البرلمان يقرّ قانون «الانتخابات المبكرة» بأغلبية 180 صوتاً';
const SUMMARY = 'صوّت مجلس النواب العراقي مساء اليوم على #قانون_الانتخابات الجديد بعد جلسة طويلة.';

describe('Breaking news: one article to every active reader, once', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const post = (body: object) =>
    request(t.baseUrl).post('/admin/digests/breaking').set('Authorization', t.editorAuth).send(body);
  const editionStatus = async (id: string) =>
    ((await t.dataSource.query(`SELECT status FROM editions WHERE id = $1`, [id])) as Array<{ status: string }>)[0]
      .status;

  /** Waits until nothing more arrives for a second. */
  async function settled(): Promise<number> {
    let last = -1;
    while (sink.messages.length !== last) {
      last = sink.messages.length;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return last;
  }

  it('reaches daily and weekly readers alike, whatever their topics, exactly once; a second request adds nothing', async () => {
    const active = [
      { email: 'daily-all@example.org', frequency: 'daily', topics: [] },
      { email: 'daily-sport@example.org', frequency: 'daily', topics: ['رياضة'] },
      { email: 'weekly-all@example.org', frequency: 'weekly', topics: [] },
      { email: 'weekly-culture@example.org', frequency: 'weekly', topics: ['ثقافة'] },
    ];
    for (const r of active) {
      await insertReader(t.dataSource, r.email, { frequency: r.frequency, topics: r.topics });
    }
    await insertReader(t.dataSource, 'left@example.org', { status: 'unsubscribed' });
    await insertReader(t.dataSource, 'unconfirmed@example.org', { status: 'pending', frequency: 'weekly' });
    const article = await insertArticle(t.dataSource, {
      title: TITLE,
      summary: SUMMARY,
      topics: ['قانون_الانتخابات'],
      url: 'https://www.example.net/2026/11/elections-law/',
    });

    // A double click: two requests at once make one alert.
    const [first, second] = await Promise.all([post({ articleId: article.id }), post({ articleId: article.id })]);
    expect([first.status, second.status].sort()).toEqual([201, 409]);
    const created = first.status === 201 ? first : second;
    const refused = first.status === 201 ? second : first;
    expect(created.body).toMatchObject({ kind: 'breaking', frequency: null, key: `breaking/${article.id}` });
    expect(refused.body.editionId).toBe(created.body.id);

    const editionId = created.body.id as string;
    const audit = await t.dataSource.query(`SELECT actor, action, subject FROM audit_log ORDER BY id`);
    expect(audit).toEqual([{ actor: 'api-token', action: 'breaking.send', subject: `edition #${editionId}` }]);
    await waitFor(
      () => editionStatus(editionId),
      (s) => s === 'sent',
      30_000,
      'alert sent',
    );
    expect(await settled()).toBe(active.length);
    for (const r of active) {
      const got = sink.to(r.email);
      expect([r.email, got.length]).toEqual([r.email, 1]);
      const mail = got[0].parsed;
      expect(mail.subject).toBe(`عاجل: ${TITLE}`);
      const html = String(mail.html);
      expect(html).toContain('عاجل');
      // The alert's link is the reader's click link (engagement), leading to the article.
      const link = /href="([^"]*\/r\/[A-Za-z0-9_-]+)"/.exec(html)?.[1];
      expect(link).toBeDefined();
      const followed = await fetch(link!, { redirect: 'manual' });
      expect(followed.status).toBe(302);
      expect(followed.headers.get('location')).toMatch(/^https:\/\/www\.example\.net\/2026\/11\/elections-law\/\?utm_/);
      expect(html).toContain('dir="rtl"');
      expect(html).not.toContain('#قانون');
      expect(html).not.toContain('PLACEHOLDER');
      expect(html).toContain('/subscriptions/unsubscribe?token=');
    }
    expect(sink.to('left@example.org')).toHaveLength(0);
    expect(sink.to('unconfirmed@example.org')).toHaveLength(0);

    // Later, another editor tries the same article: refused, nothing queued, nobody mailed.
    const again = await post({ articleId: article.id, subject: 'عاجل مرة أخرى' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ editionId });
    expect(again.body.message).toMatch(/already/);
    const counts = (await t.dataSource.query(
      `SELECT count(*)::int AS editions, (SELECT count(*)::int FROM deliveries) AS deliveries FROM editions`,
    )) as Array<{ editions: number; deliveries: number }>;
    expect(counts[0]).toEqual({ editions: 1, deliveries: active.length });
    expect(await settled()).toBe(active.length);

    // The history knows it as an alert, with the ledger's counts.
    const history = await request(t.baseUrl)
      .get('/admin/digests?kind=breaking')
      .set('Authorization', t.editorAuth)
      .expect(200);
    expect(history.body.items).toHaveLength(1);
    expect(history.body.items[0]).toMatchObject({
      id: editionId,
      kind: 'breaking',
      status: 'sent',
      deliveries: { sent: active.length, failed: 0, bounced: 0, skipped: 0, queued: 0, sending: 0 },
    });
    const digests = await request(t.baseUrl).get('/admin/digests?kind=digest').set('Authorization', t.editorAuth);
    expect(digests.body.items).toHaveLength(0);
  });

  it('answers bad requests with a clear 4xx and makes nothing', async () => {
    const before = Number((await t.dataSource.query(`SELECT count(*) AS n FROM editions`))[0].n);
    const notId = await post({ articleId: 'abc' });
    expect(notId.status).toBe(400);
    expect(JSON.stringify(notId.body.message)).toMatch(/articleId must be an article id/);
    expect((await post({})).status).toBe(400);
    const unknown = await post({ articleId: '999999' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/Article 999999 does not exist/);
    const article = await insertArticle(t.dataSource, { title: 'خبر آخر' });
    expect((await post({ articleId: article.id, subject: 'ع'.repeat(201) })).status).toBe(400);
    expect((await post({ articleId: article.id, extra: 1 })).status).toBe(400);
    const noToken = await request(t.baseUrl).post('/admin/digests/breaking').send({ articleId: article.id });
    expect(noToken.status).toBe(401);
    expect(Number((await t.dataSource.query(`SELECT count(*) AS n FROM editions`))[0].n)).toBe(before);
  });
});
