import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DigestSettingsService } from '../../src/digests/digest-settings.service';
import { NextEditionPlanService } from '../../src/digests/next-edition-plan.service';
import { insertArticle } from '../factories/articles';
import { insertReaders } from '../factories/readers';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';

/** The Next digest and Settings screens without JavaScript, and their doors closed to everyone else. */
describe('Newsroom: Next digest and Settings over plain HTTP', () => {
  const clock = new FakeClock(new Date('2026-11-24T09:00:00Z'));
  let t: TestApp;
  let agent: TestAgent;
  let csrfToken: string;

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { NASHRA_ROLE: 'web' } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    agent = request.agent(t.baseUrl);
    ({ csrfToken } = await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR }));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses visitors without a session, and form posts without the CSRF token change nothing', async () => {
    const article = await insertArticle(t.dataSource, { publishedAt: '2026-11-24T08:00:00Z' });
    for (const path of ['/admin/next', '/admin/next/preview.html', '/admin/next/confirm', '/admin/settings']) {
      const res = await request(t.baseUrl).get(path).expect(303);
      expect(res.headers.location).toMatch(/^\/admin\/login/);
    }
    const posts = [
      `/admin/next/articles/${article.id}/drop`,
      '/admin/next/texts',
      '/admin/next/reset',
      '/admin/next/test',
      '/admin/next/send',
      '/admin/next/schedule',
      '/admin/next/scheduled/1/cancel',
      '/admin/settings/digest',
    ];
    for (const path of posts) {
      await request(t.baseUrl).post(path).type('form').send({ frequency: 'daily' }).expect(401);
      await agent.post(path).type('form').send({ frequency: 'daily' }).expect(403);
    }
    expect(await t.get(NextEditionPlanService).decisions('daily')).toBeNull();
    expect((await t.get(DigestSettingsService).current()).source).toBe('environment');
  });

  it('a plain form post drops an article and comes back to the page; htmx gets the fragment', async () => {
    const other = await insertArticle(t.dataSource, { title: 'مقال يبقى', publishedAt: '2026-11-24T08:30:00Z' });
    const [first] = (await t.get(NextEditionPlanService).preview('daily')).articles.filter((a) => a.id !== other.id);
    const res = await agent
      .post(`/admin/next/articles/${first.id}/drop`)
      .type('form')
      .send({ _csrf: csrfToken, frequency: 'daily' })
      .expect(303);
    expect(res.headers.location).toBe('/admin/next?frequency=daily');
    const page = await agent.get('/admin/next').expect(200);
    expect(page.text).toContain(`class="plan-dropped"`);
    expect(page.text).toContain('مقال يبقى');

    const fragment = await agent
      .post(`/admin/next/articles/${first.id}/restore`)
      .set('HX-Request', 'true')
      .set('X-CSRF-Token', csrfToken)
      .type('form')
      .send({ frequency: 'daily' })
      .expect(200);
    expect(fragment.text).toMatch(/^<div id="next-editor"/);
    expect(fragment.text).not.toContain('plan-dropped');
    expect(fragment.text).toContain(`name="_csrf" value="`);
  });

  it('bad input comes back as a message on the page, never a 500, and changes nothing', async () => {
    await agent
      .post('/admin/next/articles/99999/pin')
      .set('Referer', `${t.baseUrl}/admin/next`)
      .type('form')
      .send({ _csrf: csrfToken, frequency: 'daily' })
      .expect(303);
    expect((await agent.get('/admin/next').expect(200)).text).toContain('هذا المقال ليس بين مقالات النشرة القادمة');

    await agent
      .post('/admin/settings/digest')
      .set('Referer', `${t.baseUrl}/admin/settings`)
      .type('form')
      .send({ _csrf: csrfToken, dailyTime: '25:99', weeklyTime: '07:00', weeklyDay: '5', maxArticles: '0', order: 'x' })
      .expect(303);
    const settings = await agent.get('/admin/settings').expect(200);
    expect(settings.text).toContain('وقت النشرة اليومية يُكتب بالشكل HH:MM');
    expect((await t.get(DigestSettingsService).current()).source).toBe('environment');

    await agent
      .post('/admin/next/schedule')
      .set('Referer', `${t.baseUrl}/admin/next`)
      .type('form')
      .send({ _csrf: csrfToken, frequency: 'daily', at: '2026-11-24T10:00' }) // 07:00 UTC: in the past
      .expect(303);
    expect((await agent.get('/admin/next').expect(200)).text).toContain('اختر وقتاً في المستقبل');
    await agent.get('/admin/next?frequency=monthly').expect(400);
  });

  it('the confirmation states how many readers will get it', async () => {
    await insertReaders(t.dataSource, { count: 7, prefix: 'c', frequency: 'daily' });
    const page = await agent.get('/admin/next/confirm?frequency=daily').expect(200);
    expect(page.text).toContain('سيصل إلى 7 قرّاء');
  });
});
