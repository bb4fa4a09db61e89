import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { freePort } from '../../src/database/embedded-postgres';
import { startTestApp, TestApp } from '../helpers/test-app';

const PROVIDER = join(__dirname, '..', 'fixtures', 'oidc-provider.mjs');

/** Starts the provider in a child process; resolves once it listens. */
async function startProvider(port: number, redirectUri: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [PROVIDER, String(port), redirectUri], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`oidc-provider exited (${code}): ${err}`)));
  });
  return child;
}

/**
 * Walks the sign-in as a browser would: nashra sends the browser to the provider; the provider's login and
 * consent forms are filled (login = the email address); the provider sends it back to nashra's callback.
 * Returns nashra's answer to the callback.
 */
async function signInThroughProvider(app: TestAgent, appOrigin: string, providerOrigin: string, email: string) {
  const provider = request.agent(providerOrigin);
  let res = await app.get('/admin/login/sso?next=%2Fadmin').expect(303);
  for (let hops = 0; hops < 20; hops++) {
    const target = new URL(res.headers.location as string, providerOrigin);
    if (target.origin === appOrigin) {
      return app.get(target.pathname + target.search);
    }
    expect(target.origin).toBe(providerOrigin);
    res = await provider.get(target.pathname + target.search);
    if (res.status === 200) {
      // A login or consent form: post its hidden fields, and the login when asked.
      const action = /<form[^>]*action="([^"]+)"/.exec(res.text)![1];
      const fields: Record<string, string> = {};
      for (const m of res.text.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
        fields[m[1]] = m[2];
      }
      if (res.text.includes('name="login"')) {
        Object.assign(fields, { login: email, password: 'any-password' });
      }
      const to = new URL(action.replace(/&amp;/g, '&'), providerOrigin);
      res = await provider
        .post(to.pathname + to.search)
        .type('form')
        .send(fields);
    }
    expect([302, 303]).toContain(res.status);
  }
  throw new Error('Too many redirects');
}

/** Single sign-on through a real OpenID Connect provider (oidc-provider) on loopback. */
describe('Single sign-on (OpenID Connect)', () => {
  let t: TestApp;
  let provider: ChildProcess;
  let providerOrigin: string;

  beforeAll(async () => {
    const port = await freePort();
    providerOrigin = `http://127.0.0.1:${port}`;
    // nashra at localhost and the provider at 127.0.0.1: two hosts, so their cookies stay apart as in real life.
    t = await startTestApp({
      host: 'localhost',
      env: {
        OIDC_ISSUER: providerOrigin,
        OIDC_CLIENT_ID: 'nashra-test',
        OIDC_CLIENT_SECRET: 'nashra-test-client-secret-0123456789',
        OIDC_ALLOWED_DOMAINS: 'nashra.test, newsroom.example',
        OIDC_DEFAULT_ROLE: 'editor',
      },
    });
    provider = await startProvider(port, `${t.baseUrl}/admin/login/sso/callback`);
  });
  afterAll(async () => {
    provider?.kill();
    await t?.close();
  });

  it('offers "sign in with" the provider on the sign-in page', async () => {
    const page = await request(t.baseUrl).get('/admin/login').expect(200);
    expect(page.text).toContain('الدخول عبر حساب المؤسسة (127.0.0.1:');
    expect(page.text).toContain('href="/admin/login/sso?next&#x3D;%2Fadmin"');
  });

  it('signs an editor of an allowed domain in, making the account on the first visit', async () => {
    const agent = request.agent(t.baseUrl);
    const back = await signInThroughProvider(agent, t.baseUrl, providerOrigin, 'Layla@Nashra.test');
    expect([back.status, back.headers.location]).toEqual([303, '/admin']);
    const dashboard = await agent.get('/admin').expect(200);
    expect(dashboard.text).toContain('layla@nashra.test');
    const [editor] = (await t.dataSource.query(
      `SELECT id, name, role FROM editors WHERE email = 'layla@nashra.test'`,
    )) as { id: string; name: string; role: string }[];
    expect(editor.name).toBe('SSO Layla');
    // OIDC_DEFAULT_ROLE, though she is the newsroom's first account: being first through the issuer makes no owner.
    expect(editor.role).toBe('editor');
    const audit = (await t.dataSource.query(`SELECT action, detail FROM audit_log WHERE editor_id = $1 ORDER BY id`, [
      editor.id,
    ])) as { action: string; detail: Record<string, unknown> | null }[];
    expect(audit[0]).toEqual({ action: 'editor.created-by-sso', detail: expect.objectContaining({ role: 'editor' }) });
    expect(audit.find((a) => a.action === 'editor.sign-in')?.detail).toEqual({ method: 'oidc', secondStep: null });

    // A second visit finds the same account.
    const again = request.agent(t.baseUrl);
    const second = await signInThroughProvider(again, t.baseUrl, providerOrigin, 'layla@nashra.test');
    expect(second.status).toBe(303);
    const count = (await t.dataSource.query(`SELECT count(*)::int AS n FROM editors`)) as { n: number }[];
    expect(count[0].n).toBe(1);
  });

  it('makes a later account with OIDC_DEFAULT_ROLE too, and its role decides what it may open', async () => {
    const agent = request.agent(t.baseUrl);
    const back = await signInThroughProvider(agent, t.baseUrl, providerOrigin, 'omar@newsroom.example');
    expect([back.status, back.headers.location]).toEqual([303, '/admin']);
    const rows = (await t.dataSource.query(
      `SELECT role, grants FROM editors WHERE email = 'omar@newsroom.example'`,
    )) as {
      role: string;
      grants: string[];
    }[];
    expect(rows).toEqual([{ role: 'editor', grants: [] }]);
    await agent.get('/admin/next').expect(200);
    await agent.get('/admin/editors').expect(403);
  });

  it('refuses an address outside OIDC_ALLOWED_DOMAINS, in Arabic, and makes no account', async () => {
    const agent = request.agent(t.baseUrl);
    const back = await signInThroughProvider(agent, t.baseUrl, providerOrigin, 'someone@gmail.example');
    expect(back.status).toBe(403);
    expect(back.text).toContain('هذا البريد الإلكتروني ليس من نطاقات غرفة التحرير المسموح لها بالدخول');
    await agent.get('/admin').expect(303);
    const rows = (await t.dataSource.query(`SELECT 1 FROM editors WHERE email = 'someone@gmail.example'`)) as unknown[];
    expect(rows).toHaveLength(0);
  });

  it('refuses a callback that did not start here (no state in the session)', async () => {
    const res = await request(t.baseUrl).get('/admin/login/sso/callback?code=forged&state=forged').expect(400);
    expect(res.text).toContain('انتهت مهلة الدخول عبر حساب المؤسسة');
  });
});
