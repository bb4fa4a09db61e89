import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { insertArticle } from '../factories/articles';
import { insertReader } from '../factories/readers';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

// Names of settings an editor cannot change from the newsroom: never shown on its screens.
const ENV_NAME = /\b(?:FEED_URLS|SMTP_URL|SITE_ORIGINS|SITE_URL|DATABASE_URL|PUBLIC_BASE_URL|TIMEZONE|MONTH_NAMES)\b/;

/** A newsroom on its first day: no feeds, no readers, one editor. Every screen says what to do next. */
describe('Newsroom: a first run that leads somewhere', () => {
  let t: TestApp;
  let agent: TestAgent;

  beforeAll(async () => {
    t = await startTestApp({ env: { NASHRA_ROLE: 'web', SITE_ORIGINS: 'https://www.example.net' } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    agent = request.agent(t.baseUrl);
    await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the dashboard lists the four first steps, each a link to the screen that does it', async () => {
    const page = (await agent.get('/admin').expect(200)).text;
    const checklist = /<ol class="checklist">([\s\S]*?)<\/ol>/.exec(page)?.[1] ?? '';
    const links = [...checklist.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(links).toEqual(['/admin/settings#feeds', '/admin/form', '/admin/editors', '/admin/next']);
    expect(checklist).toContain('أضف تغذية موقعك');
  });

  it('empty screens link to the next step, and no screen names an environment variable', async () => {
    const pages: Record<string, string> = {};
    for (const path of [
      '/admin',
      '/admin/next',
      '/admin/readers',
      '/admin/editions',
      '/admin/settings',
      '/admin/mail',
    ]) {
      pages[path] = (await agent.get(path).expect(200)).text;
    }
    expect(
      Object.entries(pages)
        .filter(([, html]) => ENV_NAME.test(html))
        .map(([path, html]) => `${path}: ${ENV_NAME.exec(html)![0]}`),
    ).toEqual([]);
    expect(pages['/admin/next']).toMatch(/لا مقالات جديدة منذ آخر نشرة[^<]*<a href="\/admin\/settings#feeds">/);
    expect(pages['/admin/readers']).toContain('<a href="/admin/form">نموذج الاشتراك</a>');
    expect(pages['/admin/editions']).toContain('<a href="/admin/next">العدد القادم</a>');
  });

  it('the Form screen gives the iframe and script snippets, a live preview and the allowed sites', async () => {
    const page = (await agent.get('/admin/form').expect(200)).text;
    const formUrl = `${t.baseUrl}/embed/form`;
    expect(page).toContain(`&lt;iframe src&#x3D;&quot;${formUrl}&quot;`);
    expect(page).toContain(`&lt;script src&#x3D;&quot;${t.baseUrl}/embed/nashra.js&quot; defer&gt;&lt;/script&gt;`);
    expect(page).toContain(`<iframe class="form-preview" src="${formUrl}"`);
    expect(page).toContain('https://www.example.net');
    // The preview's frame is allowed: the form may be framed by nashra itself.
    const form = await request(t.baseUrl).get('/embed/form').expect(200);
    expect(form.headers['content-security-policy']).toMatch(/frame-ancestors 'self'/);
  });

  it('the checklist leaves the dashboard once every step is done', async () => {
    await t.dataSource.query(`INSERT INTO feeds (url) VALUES ('https://www.example.net/feed/')`);
    await insertArticle(t.dataSource);
    await insertReader(t.dataSource, 'first@example.org');
    await createEditor(t.dataSource, { email: 'second@nashra.test', password: 'another-long-password-42' });
    const before = (await agent.get('/admin').expect(200)).text;
    expect(before).toContain('class="checklist"');
    await t.dataSource.query(
      `INSERT INTO audit_log (actor, action, subject) VALUES ('editor@nashra.test', 'next-digest.test', 'plan:daily')`,
    );
    const page = (await agent.get('/admin').expect(200)).text;
    expect(page).not.toContain('class="checklist"');
  });
});
