import type { Express } from 'express';
import request from 'supertest';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

interface Route {
  method: string;
  path: string;
}

// What a visitor may reach under /admin without signing in: the sign-in and invitation forms, and the
// stylesheet and scripts those pages load.
const PUBLIC = [
  'GET /admin/login',
  'POST /admin/login',
  'GET /admin/invite',
  'POST /admin/invite',
  'GET /admin/assets/:name',
  // The sign-in's second half: the pending sign-in in the session is the key (test/newsroom/two-step-sign-in).
  'GET /admin/login/second-step',
  'POST /admin/login/second-step',
  'GET /admin/login/setup',
  'POST /admin/login/setup/totp',
  'POST /admin/login/setup/passkey/options',
  'POST /admin/login/setup/passkey',
  'POST /admin/login/passkey/options',
  'POST /admin/login/passkey',
  'GET /admin/login/sso',
  'GET /admin/login/sso/callback',
];

/** Every route the app serves under /admin, read from Express's router (Nest's controllers and Swagger's). */
function adminRoutes(t: TestApp): Route[] {
  const express = t.app.getHttpAdapter().getInstance() as Express;
  const stack = (express as unknown as { router: { stack: { route?: { path: string; methods: object } }[] } }).router
    .stack;
  return stack
    .filter((layer) => layer.route && layer.route.path.startsWith('/admin'))
    .flatMap((layer) =>
      Object.keys(layer.route!.methods)
        .filter((m) => m !== '_all')
        .map((m) => ({ method: m.toUpperCase(), path: layer.route!.path })),
    );
}

function concrete(path: string): string {
  return path.replace(/:\w+/g, '1').replace(/\*\w+/g, 'x');
}

/** A fingerprint of every table but the session store: equal before and after means nothing changed. */
async function fingerprint(t: TestApp): Promise<string> {
  const tables = (await t.dataSource.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('editor_sessions') ORDER BY 1`,
  )) as { tablename: string }[];
  const parts: string[] = [];
  for (const { tablename } of tables) {
    const [row] = (await t.dataSource.query(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM "${tablename}" x`,
    )) as { n: number; h: string }[];
    parts.push(`${tablename}:${row.n}:${row.h}`);
  }
  return parts.join('\n');
}

/** Every admin route of every module is documented in Swagger and closed without the editor token. */
describe('The admin API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await createEditor(t.dataSource, DEFAULT_EDITOR);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is documented at /admin/docs, and every documented /admin route answers 401 without the token', async () => {
    const page = await request(t.baseUrl)
      .get('/admin/docs')
      .set('Authorization', t.editorAuth)
      .redirects(1)
      .expect(200);
    expect(page.text).toContain('swagger');
    const doc = (await request(t.baseUrl).get('/admin/docs-json').set('Authorization', t.editorAuth).expect(200))
      .body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/admin/'))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => ({ method, path: path.replace(/\{[^}]+\}/g, '1') })),
      );
    // Each capability has its admin routes: subscribers, articles, feeds, digests, outbox.
    for (const area of ['subscribers', 'articles', 'feeds', 'digests', 'outbox']) {
      expect(routes.some((r) => r.path.startsWith(`/admin/${area}`))).toBe(true);
    }
    const client = request(t.baseUrl) as unknown as Record<string, (p: string) => request.Test>;
    for (const { method, path } of routes) {
      const none = await client[method](path);
      expect([method, path, none.status]).toEqual([method, path, 401]);
      const wrong = await client[method](path).set('Authorization', 'Bearer wrong-token-0123456789');
      expect([method, path, wrong.status]).toEqual([method, path, 401]);
    }
  });

  it('refuses every /admin page and action in the route table to a visitor without a session or token', async () => {
    const routes = adminRoutes(t);
    // The newsroom's pages and the machine API are both in the table.
    for (const expected of ['GET /admin', 'POST /admin/logout', 'GET /admin/editors', 'GET /admin/digests']) {
      expect(routes.map((r) => `${r.method} ${r.path}`)).toContain(expected);
    }
    const before = await fingerprint(t);
    const client = request(t.baseUrl) as unknown as Record<string, (p: string) => request.Test>;
    for (const { method, path } of routes) {
      if (PUBLIC.includes(`${method} ${path}`)) {
        continue;
      }
      const url = concrete(path);
      const res = await client[method.toLowerCase()](url).set('Accept', 'text/html');
      if (method === 'GET' || method === 'HEAD') {
        // Pages send a browser to the sign-in form (and back afterwards); the API answers 401.
        const outcome = res.status === 303 ? `303 ${res.headers.location}` : String(res.status);
        const signIn = `303 /admin/login?next=${encodeURIComponent(url)}`;
        expect([method, path, outcome]).toEqual([method, path, outcome === signIn ? signIn : '401']);
      } else {
        expect([method, path, res.status]).toEqual([method, path, 401]);
      }
      // A wrong token opens nothing either: 401, or (pages ignore bearer tokens) the same redirect.
      const wrong = await client[method.toLowerCase()](url)
        .set('Accept', 'text/html')
        .set('Authorization', 'Bearer wrong-token-0123456789');
      const refused =
        wrong.status === 401 || (wrong.status === res.status && wrong.headers.location === res.headers.location);
      expect([method, path, wrong.status, refused]).toEqual([method, path, wrong.status, true]);
    }
    expect(await fingerprint(t)).toBe(before);
  });

  it('refuses every form post and action of a signed-in editor that lacks the CSRF token, changing nothing', async () => {
    const agent = request.agent(t.baseUrl);
    const { csrfToken } = await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    const unsafe = adminRoutes(t).filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method));
    expect(unsafe.length).toBeGreaterThan(5);
    const before = await fingerprint(t);
    const client = agent as unknown as Record<string, (p: string) => request.Test>;
    for (const { method, path } of unsafe) {
      const url = concrete(path);
      const none = await client[method.toLowerCase()](url).type('form').send({ email: 'x@example.net' });
      expect([method, path, none.status]).toEqual([method, path, 403]);
      const forged = await client[method.toLowerCase()](url)
        .type('form')
        .send({ _csrf: csrfToken.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) });
      expect([method, path, forged.status]).toEqual([method, path, 403]);
    }
    expect(await fingerprint(t)).toBe(before);
    // The session is still good: the token it holds works.
    await agent.post('/admin/logout').type('form').send({ _csrf: csrfToken }).expect(303);
  });
});
