import request from 'supertest';
import { createEditor, csrfTokenIn, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

/** Editors sign in with their own account; the session opens the newsroom and the machine API. */
describe('Signing in to the newsroom', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await createEditor(t.dataSource, DEFAULT_EDITOR);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends a visitor from / to /admin and from there to the sign-in form', async () => {
    const root = await request(t.baseUrl).get('/').expect(302);
    expect(root.headers.location).toBe('/admin');
    const admin = await request(t.baseUrl).get('/admin').expect(303);
    expect(admin.headers.location).toBe('/admin/login?next=%2Fadmin');
    const form = await request(t.baseUrl).get('/admin/login').expect(200);
    expect(form.text).toContain('<html lang="ar" dir="rtl">');
    expect(form.text).toContain('تسجيل الدخول');
  });

  it('serves its stylesheet, htmx and Chart.js to anyone, and refuses actions without a session', async () => {
    const css = await request(t.baseUrl).get('/admin/assets/newsroom.css').expect(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    expect(css.headers['set-cookie']).toBeUndefined();
    const htmx = await request(t.baseUrl).get('/admin/assets/htmx.min.js').expect(200);
    expect(htmx.headers['content-type']).toMatch(/javascript/);
    await request(t.baseUrl).get('/admin/assets/chart.umd.min.js').expect(200);
    await request(t.baseUrl).get('/admin/assets/..%2Fpackage.json').expect(404);
    await request(t.baseUrl).post('/admin/logout').expect(401);
  });

  it('signs in with the right password, shows the dashboard, and signs out', async () => {
    const agent = request.agent(t.baseUrl);
    const session = await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    expect(session.cookie).toContain('nashra.sid=');
    const dashboard = await agent.get('/admin').expect(200);
    expect(dashboard.text).toContain('لوحة التحكم');
    expect(dashboard.text).toContain(DEFAULT_EDITOR.email);
    // The same session opens the machine API (reads need no CSRF token).
    await agent.get('/admin/articles').expect(200);

    await agent.post('/admin/logout').type('form').send({}).expect(403);
    const out = await agent.post('/admin/logout').type('form').send({ _csrf: session.csrfToken }).expect(303);
    expect(out.headers.location).toBe('/admin/login');
    await agent.get('/admin').expect(303);
  });

  it('refuses a wrong password with an Arabic message', async () => {
    const agent = request.agent(t.baseUrl);
    const form = await agent.get('/admin/login').expect(200);
    const res = await agent
      .post('/admin/login')
      .type('form')
      .send({ email: DEFAULT_EDITOR.email, password: 'wrong-password-123', _csrf: csrfTokenIn(form.text) })
      .expect(401);
    expect(res.text).toContain('البريد الإلكتروني أو كلمة المرور غير صحيحة');
    await agent.get('/admin').expect(303);
  });

  it('answers refusals in a form the client can use: an Arabic page, htmx redirects, JSON for scripts', async () => {
    const agent = request.agent(t.baseUrl);
    await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    const page = await agent
      .post('/admin/editors/invite')
      .set('Accept', 'text/html')
      .set('Referer', `${t.baseUrl}/admin/editors`)
      .type('form')
      .send({ email: 'new@nashra.test' })
      .expect(403);
    expect(page.text).toContain('<html lang="ar" dir="rtl">');
    expect(page.text).toContain('فلم يُنفَّذ شيء');
    expect(page.text).toContain('href="/admin/editors"');
    const script = await agent.post('/admin/editors/invite').set('Accept', 'application/json').expect(403);
    expect(script.body.message).toContain('CSRF');

    const htmxPage = await request(t.baseUrl).get('/admin/editors').set('HX-Request', 'true').expect(401);
    expect(htmxPage.headers['hx-redirect']).toBe('/admin/login?next=%2Fadmin%2Feditors');
    const htmxAction = await request(t.baseUrl)
      .post('/admin/logout')
      .set('HX-Request', 'true')
      .set('Referer', `${t.baseUrl}/admin/account`)
      .expect(401);
    expect(htmxAction.headers['hx-redirect']).toBe('/admin/login?next=%2Fadmin%2Faccount');
  });
});
