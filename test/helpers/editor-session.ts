import { hash } from '@node-rs/argon2';
import { Client } from 'pg';
import type { Page } from 'playwright-core';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';

export interface EditorCredentials {
  email: string;
  password: string;
  name?: string;
  /** One of the roles of src/auth/permissions.ts; default 'owner' (every power, as before roles existed). */
  role?: string;
  /** Extra grants, e.g. ['alert.send'] for an editor. */
  grants?: string[];
}

export const DEFAULT_EDITOR: EditorCredentials = {
  email: 'editor@nashra.test',
  password: 'a-long-test-password-42',
  name: 'محررة الاختبار',
};

/**
 * Inserts an editor straight into the database (argon2id hash, as the app makes them) and returns its id.
 * Pass the app's DataSource (`t.dataSource`) or a database URL.
 */
export async function createEditor(
  db: DataSource | string,
  editor: EditorCredentials = DEFAULT_EDITOR,
): Promise<string> {
  const sql = `INSERT INTO editors (email, name, password_hash, role, grants) VALUES ($1, $2, $3, $4, $5) RETURNING id`;
  const params = [
    editor.email.toLowerCase(),
    editor.name ?? editor.email.split('@')[0],
    await hash(editor.password),
    editor.role ?? 'owner',
    editor.grants ?? [],
  ];
  if (typeof db !== 'string') {
    const rows = (await db.query(sql, params)) as { id: string }[];
    return rows[0].id;
  }
  const client = new Client({ connectionString: db });
  await client.connect();
  try {
    return (await client.query<{ id: string }>(sql, params)).rows[0].id;
  } finally {
    await client.end();
  }
}

export interface EditorSession {
  /** `Cookie` header value holding the session (and CSRF) cookies. */
  cookie: string;
  /** The CSRF token for `_csrf` form fields or the `X-CSRF-Token` header. */
  csrfToken: string;
}

/** The CSRF token a newsroom page carries (hidden `_csrf` field, or the body's hx-headers). */
export function csrfTokenIn(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html) ?? /"X-CSRF-Token": "([^"]+)"/.exec(html);
  if (!match) {
    throw new Error('No CSRF token in the page');
  }
  return match[1];
}

/**
 * Signs in through the real form.
 * - supertest: `const agent = request.agent(t.baseUrl); const { csrfToken } = await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR })`
 *   — the agent keeps the cookies; send `X-CSRF-Token: csrfToken` (or `_csrf`) on POST/PUT/PATCH/DELETE.
 * - playwright: `await signIn(page, { baseUrl, ...DEFAULT_EDITOR })` leaves the page on the dashboard.
 */
export async function signIn(
  target: TestAgent | Page,
  options: EditorCredentials & { baseUrl: string },
): Promise<EditorSession> {
  if ('goto' in target) {
    const page = target;
    await page.goto(`${options.baseUrl}/admin/login`);
    await page.fill('input[name=email]', options.email);
    await page.fill('input[name=password]', options.password);
    await Promise.all([page.waitForURL(/\/admin(\/|\?|$)(?!login)/), page.click('button[type=submit]')]);
    const cookies = await page.context().cookies(options.baseUrl + '/admin');
    return {
      cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
      csrfToken: csrfTokenIn(await page.content()),
    };
  }
  const agent = target;
  const jar = new Map<string, string>();
  const keep = (res: { headers: Record<string, unknown> }) => {
    for (const line of (res.headers['set-cookie'] as string[] | undefined) ?? []) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  };
  const form = await agent.get(`/admin/login`).expect(200);
  keep(form);
  const signedIn = await agent
    .post(`/admin/login`)
    .type('form')
    .send({ email: options.email, password: options.password, _csrf: csrfTokenIn(form.text) });
  if (signedIn.status !== 303 || signedIn.headers.location !== '/admin') {
    throw new Error(`Sign-in failed: ${signedIn.status} ${signedIn.text.slice(0, 200)}`);
  }
  keep(signedIn);
  const dashboard = await agent.get(`/admin`).expect(200);
  keep(dashboard);
  const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  return { cookie, csrfToken: csrfTokenIn(dashboard.text) };
}
