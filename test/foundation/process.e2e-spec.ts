import { existsSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';
import { AppProcess, temporaryVarDir } from '../helpers/app-process';
import { freePort } from '../../src/database/embedded-postgres';
import { createTestDatabase, TestDatabase } from '../helpers/test-database';

// The real entry point (src/main.ts) in a child process: exit codes, roles, signals and what reaches stdout.
// test/foundation/embedded-restart.e2e-spec.ts covers the embedded PostgreSQL (no DATABASE_URL) path.

describe('start-up configuration errors', () => {
  let varDir: string;
  beforeAll(() => {
    varDir = temporaryVarDir();
  });
  afterAll(() => rmSync(varDir, { recursive: true, force: true }));

  it('PORT=abc exits non-zero with a message naming PORT, before starting a database', async () => {
    const app = AppProcess.start({ PORT: 'abc', VAR_DIR: varDir });
    const code = await app.exited();
    expect(code).not.toBe(0);
    expect(app.log).toMatch(/^\s*PORT: .*PORT must be a whole number/m);
    expect(app.log).not.toMatch(/Embedded PostgreSQL/);
    expect(existsSync(join(varDir, 'postgres'))).toBe(false);
  });

  it('production without SECRET_KEY exits non-zero naming SECRET_KEY', async () => {
    const app = AppProcess.start({
      NODE_ENV: 'production',
      POSTAL_ADDRESS: 'شارع المتنبي 1، بغداد، العراق',
      EDITOR_TOKEN: 'an-editor-token-0123456789',
      VAR_DIR: varDir,
    });
    expect(await app.exited()).not.toBe(0);
    expect(app.log).toMatch(/SECRET_KEY is required/);
  });
});

describe('against an external PostgreSQL (DATABASE_URL), by role', () => {
  let db: TestDatabase;
  let workerDb: TestDatabase;
  let varDir: string;
  const started: AppProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    workerDb = await createTestDatabase();
    varDir = temporaryVarDir();
  });
  afterAll(async () => {
    for (const app of started) {
      await app.kill();
    }
    await db?.drop();
    await workerDb?.drop();
    rmSync(varDir, { recursive: true, force: true });
  });

  it('NASHRA_ROLE=web serves /health on that database and starts no embedded server', async () => {
    const port = await freePort();
    const app = AppProcess.start({ PORT: String(port), VAR_DIR: varDir, DATABASE_URL: db.url, NASHRA_ROLE: 'web' });
    started.push(app);
    await app.waitFor(/nashra \(web\) listening on/);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(app.log).not.toMatch(/Embedded PostgreSQL/);
    expect(existsSync(join(varDir, 'postgres'))).toBe(false);
    app.child.kill('SIGTERM');
    expect(await app.exited()).toBe(0);
  });

  it('on SIGTERM stops taking new connections but finishes the request in flight, then exits 0', async () => {
    const port = await freePort();
    const app = AppProcess.start({ PORT: String(port), VAR_DIR: varDir, DATABASE_URL: db.url, NASHRA_ROLE: 'web' });
    started.push(app);
    await app.waitFor(/listening on/);

    // A client still uploading its body when the signal arrives.
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/health',
      headers: { 'Content-Type': 'application/json', 'Content-Length': '17' },
    });
    const response = new Promise<{ status: number }>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode! }));
      });
      req.on('error', reject);
    });
    req.write('{"slow":');
    await new Promise((r) => setTimeout(r, 300));
    app.child.kill('SIGTERM');
    await app.waitFor(/SIGTERM received/);

    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    expect(app.running).toBe(true);
    req.end('"upload"}');
    expect((await response).status).toBe(404); // no POST /health: the point is that it was answered
    expect(await app.exited()).toBe(0);
  });

  it('in production, never writes SECRET_KEY or EDITOR_TOKEN to its log, even when an editor uses the API', async () => {
    const secretKey = `SECRETKEY${'s'.repeat(40)}`;
    const editorToken = `EDITORTOKEN${'e'.repeat(20)}`;
    const port = await freePort();
    const app = AppProcess.start({
      NODE_ENV: 'production',
      PORT: String(port),
      VAR_DIR: varDir,
      DATABASE_URL: db.url,
      SECRET_KEY: secretKey,
      EDITOR_TOKEN: editorToken,
      POSTAL_ADDRESS: 'شارع المتنبي 1، بغداد، العراق',
      LOG_LEVEL: 'trace',
    });
    started.push(app);
    await app.waitFor(/listening on/);
    // An editor's route (the digests list): accepted with the editor token, refused with anything else.
    const authorised = await fetch(`http://127.0.0.1:${port}/admin/digests`, {
      headers: { Authorization: `Bearer ${editorToken}` },
    });
    const refused = await fetch(`http://127.0.0.1:${port}/admin/digests?token=${editorToken}`, {
      headers: { Authorization: `Bearer ${secretKey}` },
    });
    expect(authorised.status).toBe(200);
    expect(refused.status).toBe(401);
    app.child.kill('SIGTERM');
    expect(await app.exited()).toBe(0);
    expect(app.log).toMatch(/"url":"\/admin\/digests\?token=\[redacted\]"/);
    expect(app.log).not.toContain(secretKey);
    expect(app.log).not.toContain(editorToken);
  });

  it('NASHRA_ROLE=worker applies migrations to an empty database and runs without an HTTP port, then exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const app = AppProcess.start({
      PORT: String(port),
      VAR_DIR: varDir,
      DATABASE_URL: workerDb.url,
      NASHRA_ROLE: 'worker',
    });
    started.push(app);
    await app.waitFor(/worker started \(no HTTP\)/);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    const client = new Client({ connectionString: workerDb.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM migrations');
      expect(rows[0].n).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
    app.child.kill('SIGTERM');
    expect(await app.exited()).toBe(0);
  });
});
