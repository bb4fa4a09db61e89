import request from 'supertest';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

function cookieNamed(res: request.Response, name: string): string | undefined {
  return ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).find((c) => c.startsWith(`${name}=`));
}

/** Where sessions live, what their cookies say, and what they open (Swagger) and never touch (readers). */
describe('Editor sessions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await createEditor(t.dataSource, DEFAULT_EDITOR);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps the session in PostgreSQL behind an HttpOnly, SameSite=Lax cookie scoped to /admin', async () => {
    const form = await request(t.baseUrl).get('/admin/login').expect(200);
    const sid = cookieNamed(form, 'nashra.sid')!;
    expect(sid).toMatch(/; Path=\/admin/);
    expect(sid).toMatch(/; HttpOnly/);
    expect(sid).toMatch(/; SameSite=Lax/);
    expect(sid).not.toMatch(/; Secure/); // PUBLIC_BASE_URL is http here
    expect(cookieNamed(form, 'nashra.csrf')).toMatch(/HttpOnly.*SameSite=Lax|SameSite=Lax.*HttpOnly/);

    const agent = request.agent(t.baseUrl);
    await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    const rows = (await t.dataSource.query(`SELECT sess FROM editor_sessions WHERE sess->>'editorId' IS NOT NULL`)) as {
      sess: { editorId: string };
    }[];
    expect(rows).toHaveLength(1);
    await agent.get('/admin').expect(200);
    // Deleting the row ends the session: the store, not the cookie, is the truth.
    await t.dataSource.query(`DELETE FROM editor_sessions WHERE sess->>'editorId' IS NOT NULL`);
    await agent.get('/admin').expect(303);
  });

  it('sets no cookie on readers’ routes, the health check or the newsroom’s static files', async () => {
    for (const path of ['/embed/form', '/health', '/admin/assets/newsroom.css', '/subscriptions/confirm?token=x']) {
      const res = await request(t.baseUrl).get(path);
      expect([path, res.headers['set-cookie']]).toEqual([path, undefined]);
    }
    const signup = await request(t.baseUrl).post('/subscriptions').send({ email: 'reader@example.net' });
    expect(signup.headers['set-cookie']).toBeUndefined();
  });

  it('serves Swagger to signed-in editors and bearer holders only', async () => {
    const page = await request(t.baseUrl).get('/admin/docs/').set('Accept', 'text/html').expect(303);
    expect(page.headers.location).toBe('/admin/login?next=%2Fadmin%2Fdocs%2F');
    await request(t.baseUrl).get('/admin/docs-json').expect(401);
    await request(t.baseUrl).get('/admin/docs-json').set('Authorization', 'Bearer wrong-token-0123456789').expect(401);
    await request(t.baseUrl).get('/admin/docs-json').set('Authorization', t.editorAuth).expect(200);
    const agent = request.agent(t.baseUrl);
    await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    expect((await agent.get('/admin/docs/').expect(200)).text).toContain('swagger');
    expect((await agent.get('/admin/docs-json').expect(200)).body.paths['/admin/articles']).toBeDefined();
  });

  it('marks cookies Secure (and the CSRF cookie __Host-) when PUBLIC_BASE_URL is https behind a proxy', async () => {
    const https = await startTestApp({ env: { PUBLIC_BASE_URL: 'https://news.example.net' } });
    try {
      const form = await request(https.baseUrl).get('/admin/login').set('X-Forwarded-Proto', 'https').expect(200);
      expect(cookieNamed(form, 'nashra.sid')).toMatch(/; Secure/);
      expect(cookieNamed(form, '__Host-nashra.csrf')).toMatch(/; Path=\/;.*Secure/);
    } finally {
      await https.close();
    }
  });
});
