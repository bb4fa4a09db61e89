import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import { PROJECT_ROOT } from '../helpers/app-process';
import { concrete, declaredRoutes } from '../helpers/declared-routes';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { fingerprint } from '../helpers/fingerprint';
import { startTestApp, TestApp } from '../helpers/test-app';

const run = promisify(execFile);

/** `npm run token:create`'s command as a real process (from source, as the editor:create suite runs it). */
async function tokenCreate(args: string[], databaseUrl: string, varDir: string) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/auth/token-create.cli.ts', ...args],
      {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl, VAR_DIR: varDir },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Scoped machine tokens: a CMS token pushes articles and is refused (403) everywhere else under /admin. */
describe('Scoped machine tokens', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    await createEditor(t.dataSource, DEFAULT_EDITOR);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('token:create prints a token once and stores only its hash; bad scopes and names are refused', async () => {
    const bad = await tokenCreate(['--name', 'cms', '--scope', 'everything'], t.database.url, t.varDir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown scope everything; known scopes: articles:write');
    const none = await tokenCreate(['--name', 'cms'], t.database.url, t.varDir);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--scope is required');

    const made = await tokenCreate(['--name', 'cms', '--scope', 'articles:write'], t.database.url, t.varDir);
    expect(made).toMatchObject({ code: 0 });
    expect(made.stdout).toContain('Token created: cms (articles:write)');
    token = /Token \(shown only this once[^:]*\): (nsh_\S+)/.exec(made.stdout)![1];
    const rows = (await t.dataSource.query(`SELECT token_hash, scopes FROM api_tokens`)) as {
      token_hash: string;
      scopes: string[];
    }[];
    expect(rows).toHaveLength(1);
    expect(rows[0].scopes).toEqual(['articles:write']);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));

    const twice = await tokenCreate(['--name', 'cms', '--scope', 'articles:write'], t.database.url, t.varDir);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('A live token named cms exists');
  });

  it('pushes an article with the token', async () => {
    const res = await request(t.baseUrl)
      .post('/admin/articles')
      .set('Authorization', `Bearer ${token}`)
      .send({ url: 'https://www.example.net/2026/12/cms-push/', title: 'خبر من نظام إدارة المحتوى', summary: 'ملخص' });
    expect(res.status).toBe(200);
    const [row] = (await t.dataSource.query(`SELECT title FROM articles WHERE url = $1`, [
      'https://www.example.net/2026/12/cms-push/',
    ])) as { title: string }[];
    expect(row.title).toBe('خبر من نظام إدارة المحتوى');
  });

  it('gets 403 on every other admin route, pages and API alike, and changes nothing', async () => {
    const others = declaredRoutes(t).filter(
      (r) => r.path.startsWith('/admin') && !r.isPublic && !(r.method === 'POST' && r.path === '/admin/articles'),
    );
    expect(others.length).toBeGreaterThan(80);
    const before = await fingerprint(t, ['api_tokens']);
    const client = request(t.baseUrl) as unknown as Record<string, (p: string) => request.Test>;
    const opened: string[] = [];
    for (const route of [...others, { method: 'GET', path: '/admin/docs-json' }]) {
      const res = await client[route.method.toLowerCase()](concrete(route.path))
        .set('Authorization', `Bearer ${token}`)
        .send({ url: 'https://www.example.net/x/', title: 'x' });
      if (res.status !== 403) {
        opened.push(`${route.method} ${route.path} → ${res.status}`);
      }
    }
    expect(opened).toEqual([]);
    expect(await fingerprint(t, ['api_tokens'])).toBe(before);
  });

  it('is listed on the Editors screen, where an owner revokes it; then it opens nothing', async () => {
    const agent = request.agent(t.baseUrl);
    const { csrfToken } = await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    const page = await agent.get('/admin/editors').expect(200);
    expect(page.text).toContain('articles:write');
    const id = /action="\/admin\/editors\/tokens\/([0-9a-f-]{36})\/revoke"/.exec(page.text)![1];
    await agent.post(`/admin/editors/tokens/${id}/revoke`).type('form').send({ _csrf: csrfToken }).expect(303);
    expect((await agent.get('/admin/editors').expect(200)).text).toContain('ملغى');
    await request(t.baseUrl)
      .post('/admin/articles')
      .set('Authorization', `Bearer ${token}`)
      .send({ url: 'https://www.example.net/2026/12/after-revoke/', title: 'بعد الإلغاء' })
      .expect(401);
    const [audit] = (await t.dataSource.query(
      `SELECT action, subject FROM audit_log WHERE action = 'api-token.revoke'`,
    )) as { action: string; subject: string }[];
    expect(audit.subject).toBe('cms');
  });
});
