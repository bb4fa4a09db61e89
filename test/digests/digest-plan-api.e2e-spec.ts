import request from 'supertest';
import { insertArticle } from '../factories/articles';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('Plan and settings API for machines (bearer token)', () => {
  const clock = new FakeClock(new Date('2026-11-24T09:00:00Z'));
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { NASHRA_ROLE: 'web' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('PUT sets the lead, drops an article and sets the subject; GET shows the result; DELETE forgets it', async () => {
    const a = await insertArticle(t.dataSource, { publishedAt: '2026-11-24T07:00:00Z' });
    const b = await insertArticle(t.dataSource, { publishedAt: '2026-11-24T08:00:00Z' });
    const c = await insertArticle(t.dataSource, { publishedAt: '2026-11-24T08:30:00Z' });
    const put = await request(t.baseUrl)
      .put('/admin/digests/plan/daily')
      .set('Authorization', t.editorAuth)
      .send({ leadArticleId: a.id, excludedArticleIds: [b.id], subject: 'عدد خاص' })
      .expect(200);
    expect(put.body).toMatchObject({ subject: 'عدد خاص', leadArticleId: a.id, activeReaders: 0 });
    expect((put.body as { articles: { id: string }[] }).articles.map((x) => x.id)).toEqual([a.id, c.id]);
    expect((put.body as { dropped: { id: string }[] }).dropped.map((x) => x.id)).toEqual([b.id]);

    await request(t.baseUrl).delete('/admin/digests/plan/daily').set('Authorization', t.editorAuth).expect(204);
    const got = await request(t.baseUrl).get('/admin/digests/plan/daily').set('Authorization', t.editorAuth);
    expect((got.body as { articles: { id: string }[] }).articles.map((x) => x.id)).toEqual([c.id, b.id, a.id]);
  });

  it('bad plan and settings input is a 400 with the reason, and changes nothing', async () => {
    await request(t.baseUrl).put('/admin/digests/plan/monthly').set('Authorization', t.editorAuth).send({}).expect(400);
    await request(t.baseUrl)
      .put('/admin/digests/plan/daily')
      .set('Authorization', t.editorAuth)
      .send({ leadArticleId: 'x; drop table' })
      .expect(400);
    const bad = await request(t.baseUrl)
      .put('/admin/digest-settings')
      .set('Authorization', t.editorAuth)
      .send({ dailyTime: '25:00', dailyDays: [], weeklyTime: '07:00', weeklyDay: 9, maxArticles: 0, order: 'x' })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('HH:MM');
    const settings = await request(t.baseUrl).get('/admin/digest-settings').set('Authorization', t.editorAuth);
    expect(settings.body).toMatchObject({ source: 'environment', dailyCron: '0 7 * * *', dailyTime: '07:00' });
  });

  it('PUT settings is in force at once and reports the next runs in TIMEZONE', async () => {
    const saved = await request(t.baseUrl)
      .put('/admin/digest-settings')
      .set('Authorization', t.editorAuth)
      .send({
        dailyTime: '06:15',
        dailyDays: [0, 1, 2, 3, 4],
        weeklyTime: '10:00',
        weeklyDay: 6,
        maxArticles: 5,
        order: 'oldest',
      })
      .expect(200);
    // Tuesday 24 Nov 12:00 Baghdad: the next daily run is Wednesday 06:15 (03:15 UTC); weekly Saturday 10:00.
    expect(saved.body).toMatchObject({
      source: 'database',
      dailyCron: '15 6 * * 0,1,2,3,4',
      weeklyCron: '0 10 * * 6',
      nextDaily: '2026-11-25T03:15:00.000Z',
      nextWeekly: '2026-11-28T07:00:00.000Z',
      updatedBy: 'api-token',
    });
  });

  it('refuses every route without the token', async () => {
    await request(t.baseUrl).get('/admin/digests/plan/daily').expect(401);
    await request(t.baseUrl).put('/admin/digest-settings').send({}).expect(401);
  });
});
