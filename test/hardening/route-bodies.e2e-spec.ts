import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { expressRoutes } from '../helpers/declared-routes';
import { startTestApp, TestApp } from '../helpers/test-app';
import request from 'supertest';

const PARAMS: Record<string, string> = { frequency: 'daily', action: 'drop', key: 'topic' };
const deep = (n: number) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`;

/** The bodies no parser reads, none at all, and the big and deep ones the parsers do read. */
const BODIES: Array<{ label: string; type?: string; body?: string; mustRefuse: boolean }> = [
  { label: 'text/plain', type: 'text/plain', body: 'current=a&password=b', mustRefuse: true },
  {
    label: 'XML',
    type: 'application/xml',
    body: '<?xml version="1.0"?><form><password>x</password></form>',
    mustRefuse: true,
  },
  { label: 'empty', mustRefuse: false },
  {
    label: '1 MB JSON',
    type: 'application/json',
    body: JSON.stringify({ subject: 'x'.repeat(1024 * 1024) }),
    mustRefuse: false,
  },
  { label: 'deep JSON', type: 'application/json', body: deep(200), mustRefuse: true },
];

/**
 * Issue 19, item 5: every write route, newsroom (a real editor session and its CSRF token) and API (the bearer
 * token), answers a body it cannot read, an empty one, a 1 MB one and a deep one with a 4xx or its form again
 * (2xx/3xx), never a 5xx.
 */
describe('Every write route has a body default', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { SIGNUP_RATE_LIMIT_PER_MINUTE: '100000' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers no odd body on any write route with a 5xx', async () => {
    await createEditor(t.dataSource);
    const agent = request.agent(t.baseUrl);
    const { csrfToken } = await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    // Signing out or changing editors would end the session the later requests use: those go last.
    const last = (r: { path: string }) => /logout|sign-?out|editors|account/.test(r.path);
    const routes = expressRoutes(t)
      .filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))
      .sort((a, b) => Number(last(a)) - Number(last(b)));
    expect(routes.length).toBeGreaterThan(30);
    expect(routes).toContainEqual({ method: 'POST', path: '/admin/account/password' });
    expect(routes).toContainEqual({ method: 'PUT', path: '/admin/digests/plan/:frequency' });

    const failures: string[] = [];
    let refusedByNewsroom = 0;
    for (const route of routes) {
      const path = route.path.replace(/:(\w+)/g, (_m, name: string) => PARAMS[name] ?? '1');
      for (const kind of ['session', 'bearer'] as const) {
        for (const { label, type, body, mustRefuse } of BODIES) {
          const method = route.method.toLowerCase() as 'post' | 'put' | 'patch' | 'delete';
          let req =
            kind === 'session'
              ? agent[method](path).set('X-CSRF-Token', csrfToken)
              : request(t.baseUrl)[method](path).set('Authorization', t.editorAuth);
          if (type) {
            req = req.set('Content-Type', type);
          }
          const res = await (body === undefined ? req : req.send(body)).redirects(0).ok(() => true);
          const what = `${res.status} ${route.method} ${route.path} (${kind}, ${label})`;
          if (res.status >= 500) {
            failures.push(what);
          } else if (mustRefuse && res.status < 400 && !/^\/webhooks\//.test(route.path)) {
            failures.push(`${what}: accepted`);
          }
          refusedByNewsroom += kind === 'session' && res.status === 415 ? 1 : 0;
        }
      }
    }
    expect(failures).toEqual([]);
    expect(refusedByNewsroom).toBeGreaterThan(routes.length);
  }, 300_000);

  it('re-renders the password form for an empty body, and refuses text/plain with 415', async () => {
    const agent = request.agent(t.baseUrl);
    const { csrfToken } = await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    const empty = await agent.post('/admin/account/password').set('X-CSRF-Token', csrfToken);
    expect(empty.status).toBe(400);
    expect(empty.headers['content-type']).toMatch(/text\/html/);
    const text = await agent
      .post('/admin/account/password')
      .set('X-CSRF-Token', csrfToken)
      .set('Content-Type', 'text/plain')
      .send('current=a');
    expect(text.status).toBe(415);
    expect(text.body.message).toBe('لم يُقرأ محتوى الطلب: أرسل نموذجاً أو JSON.');
  });

  it('refuses control characters in the plan texts', async () => {
    const res = await request(t.baseUrl)
      .put('/admin/digests/plan/daily')
      .set('Authorization', t.editorAuth)
      .send({ subject: 'a\u0001b' })
      .expect(400);
    expect(JSON.stringify(res.body)).toContain('محارف تحكّم');
    const plan = await request(t.baseUrl).get('/admin/digests/plan/daily').set('Authorization', t.editorAuth);
    expect(plan.body.subject ?? '').not.toContain('\u0001');
  });
});
