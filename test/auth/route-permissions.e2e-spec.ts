import request from 'supertest';
import { can, Role, ROLES } from '../../src/auth/permissions';
import { concrete, DeclaredRoute, declaredRoutes, expressRoutes } from '../helpers/declared-routes';
import { createEditor, signIn } from '../helpers/editor-session';
import { fingerprint } from '../helpers/fingerprint';
import { startTestApp, TestApp } from '../helpers/test-app';

// Routes Express serves that no Nest controller declares: Swagger's pages and files under /admin/docs, behind
// EditorSessions' own gate (a signed-in editor of any role, or EDITOR_TOKEN; a scoped token gets 403), and the
// favicon (public, src/common/favicon.ts).
const outsideNest = (route: string) =>
  /^GET \/admin\/docs(-json|-yaml|\/.*)?$/.test(route) || ['GET /favicon.ico', 'GET /favicon.svg'].includes(route);
// BearerOrNewsroomPageGuard (deliverability: one address for the JSON and the page) delegates to the other two.
const GUARDS = ['NewsroomPageGuard', 'EditorAuthGuard', 'BearerOrNewsroomPageGuard'];
const ROLE_REFUSAL = 'لا يسمح دورك';

const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

/**
 * The route walk of issue 22: every route the app serves declares what it needs (`@RequirePermission` or
 * `@Public()`), and for every role every route it lacks the permission for answers 403 and changes nothing.
 * A route added without a declaration, or a role table that lets someone through, fails here.
 */
describe('Route permissions', () => {
  let t: TestApp;
  let routes: DeclaredRoute[];
  const agents = new Map<Role, { agent: ReturnType<typeof request.agent>; csrfToken: string }>();

  beforeAll(async () => {
    t = await startTestApp();
    routes = declaredRoutes(t);
    for (const role of ROLES) {
      const credentials = { email: `${role}@nashra.test`, password: `a-long-password-of-${role}`, role };
      await createEditor(t.dataSource, credentials);
      const agent = request.agent(t.baseUrl);
      const { csrfToken } = await signIn(agent, { baseUrl: t.baseUrl, ...credentials });
      agents.set(role, { agent, csrfToken });
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finds every route Express serves among the declared ones, and each declares a permission or public', () => {
    const declared = new Set(routes.map(key));
    const served = expressRoutes(t).map(key);
    expect(served.length).toBeGreaterThan(80);
    expect(served.filter((r) => !declared.has(r) && !outsideNest(r))).toEqual([]);

    const undeclared = routes.filter((r) => !r.permission && !r.isPublic).map((r) => `${key(r)} (${r.handler})`);
    expect(undeclared).toEqual([]);
    const both = routes.filter((r) => r.permission && r.isPublic).map((r) => `${key(r)} (${r.handler})`);
    expect(both).toEqual([]);
    // A permission only means something behind a guard that enforces it.
    const unguarded = routes
      .filter((r) => r.permission && !r.guards.some((g) => GUARDS.includes(g)))
      .map((r) => `${key(r)} (${r.handler})`);
    expect(unguarded).toEqual([]);
    // Nothing under /admin is public but the sign-in (its steps under /admin/login/: the second step, setting one
    // up when required, passkeys, single sign-on, all before a session exists), the invitation form and assets.
    const publicAdmin = routes.filter((r) => r.isPublic && r.path.startsWith('/admin')).map(key);
    expect(publicAdmin.filter((r) => !/^\w+ \/admin\/login(\/|$)/.test(r)).sort()).toEqual([
      'GET /admin/assets/:name',
      'GET /admin/invite',
      'POST /admin/invite',
    ]);
    expect(publicAdmin.filter((r) => /^\w+ \/admin\/login(\/|$)/.test(r)).sort()).toEqual([
      'GET /admin/login',
      'GET /admin/login/second-step',
      'GET /admin/login/setup',
      'GET /admin/login/sso',
      'GET /admin/login/sso/callback',
      'POST /admin/login',
      'POST /admin/login/passkey',
      'POST /admin/login/passkey/options',
      'POST /admin/login/second-step',
      'POST /admin/login/setup/passkey',
      'POST /admin/login/setup/passkey/options',
      'POST /admin/login/setup/totp',
    ]);
  });

  it('answers 403 with the reason in Arabic, changing nothing, on every route a role lacks the permission for', async () => {
    const before = await fingerprint(t);
    const passedThrough: string[] = [];
    let refusals = 0;
    for (const role of ROLES) {
      const { agent, csrfToken } = agents.get(role)!;
      const client = agent as unknown as Record<string, (p: string) => request.Test>;
      for (const route of routes.filter((r) => r.permission && !can({ role, grants: [] }, r.permission))) {
        const res = await client[route.method.toLowerCase()](concrete(route.path))
          .set('Accept', 'text/html')
          .set('X-CSRF-Token', csrfToken)
          .type('form')
          .send({ email: 'x@example.net', role: 'owner' });
        refusals += 1;
        if (res.status !== 403 || !res.text.includes(ROLE_REFUSAL)) {
          passedThrough.push(`${role}: ${key(route)} → ${res.status} (needs ${route.permission})`);
        }
      }
    }
    expect(passedThrough).toEqual([]);
    expect(refusals).toBeGreaterThan(150);
    expect(await fingerprint(t)).toBe(before);
  });

  it('checks the permission of an upload whose CSRF token travels in its form fields, before reading it', async () => {
    // POST /admin/readers/import without an X-CSRF-Token header leaves the token to the upload interceptor;
    // the role must still be refused by the guard, with the file never stored.
    const imports = async () =>
      ((await t.dataSource.query('SELECT count(*)::int AS n FROM reader_imports')) as { n: number }[])[0].n;
    const before = await imports();
    for (const role of ROLES.filter((r) => !can({ role: r, grants: [] }, 'readers.import'))) {
      const { agent, csrfToken } = agents.get(role)!;
      const res = await agent
        .post('/admin/readers/import')
        .set('Accept', 'text/html')
        .field('_csrf', csrfToken)
        .attach('file', Buffer.from('email\nreader@example.net\n'), 'readers.csv')
        .field('frequency', 'daily');
      expect([role, res.status, res.text.includes(ROLE_REFUSAL)]).toEqual([role, 403, true]);
    }
    expect(await imports()).toBe(before);
  });

  it('lets each role open every page and API read it holds the permission for', async () => {
    const refused: string[] = [];
    for (const role of ROLES) {
      const { agent } = agents.get(role)!;
      for (const route of routes.filter((r) => r.method === 'GET' && r.permission)) {
        if (!can({ role, grants: [] }, route.permission!)) {
          continue;
        }
        const res = await agent.get(concrete(route.path)).set('Accept', 'text/html');
        if (res.status === 401 || res.status === 403 || res.status >= 500) {
          refused.push(`${role}: ${key(route)} → ${res.status}`);
        }
      }
    }
    expect(refused).toEqual([]);
  });

  it('hides from each role the menu entries it cannot open', async () => {
    const nav = async (role: Role) => {
      const page = await agents.get(role)!.agent.get('/admin').expect(200);
      return [...page.text.matchAll(/<li><a href="(\/admin[^"]*)"/g)].map((m) => m[1]);
    };
    expect(await nav('owner')).toEqual(
      expect.arrayContaining(['/admin/editors', '/admin/breaking', '/admin/settings']),
    );
    expect(await nav('writer')).toEqual(['/admin', '/admin/next', '/admin/account']);
    expect(await nav('analyst')).toEqual([
      '/admin',
      '/admin/editions',
      '/admin/readers',
      '/admin/settings/newsletters',
      '/admin/deliverability',
      '/admin/account',
    ]);
    expect(await nav('editor')).not.toContain('/admin/breaking');
  });
});
