import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { AppProcess, isAlive, temporaryVarDir } from '../helpers/app-process';
import { freePort } from '../../src/database/embedded-postgres';

// The real entry point (src/main.ts) in a child process with NO DATABASE_URL, exactly as `npm start` on a
// fresh clone runs: the app starts its own embedded PostgreSQL under VAR_DIR, and must survive being killed.

describe('embedded PostgreSQL across SIGKILL, restart and SIGTERM', () => {
  let varDir: string;
  let pgDir: string;
  const started: AppProcess[] = [];
  const email = `sigkill-${Date.now()}@example.net`;
  let leftoverPostgresPid = 0;
  let bystander: ChildProcess | undefined;

  async function deadPid(): Promise<number> {
    const child = spawn('true');
    await once(child, 'exit');
    return child.pid!;
  }

  async function bystanderPid(): Promise<number> {
    bystander = spawn('sleep', ['120'], { stdio: 'ignore' });
    await once(bystander, 'spawn');
    return bystander.pid!;
  }

  async function startApp(): Promise<{ app: AppProcess; baseUrl: string; pgPort: number }> {
    const port = await freePort();
    const app = AppProcess.start({ PORT: String(port), VAR_DIR: varDir, LOG_LEVEL: 'info' });
    started.push(app);
    const [, pgPort] = await app.waitFor(/Embedded PostgreSQL ready on 127\.0\.0\.1:(\d+)/);
    await app.waitFor(/listening on/);
    return { app, baseUrl: `http://127.0.0.1:${port}`, pgPort: Number(pgPort) };
  }

  async function query<T>(pgPort: number, sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({
      host: '127.0.0.1',
      port: pgPort,
      user: 'postgres',
      password: 'postgres',
      database: 'nashra',
    });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  function postmasterPid(): number | undefined {
    const file = join(pgDir, 'postmaster.pid');
    return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
  }

  beforeAll(() => {
    varDir = temporaryVarDir();
    pgDir = join(varDir, 'postgres');
  });

  afterAll(async () => {
    for (const app of started) {
      await app.kill();
    }
    // Never leave a server behind, even when a test failed half-way.
    for (const pid of [postmasterPid(), leftoverPostgresPid]) {
      if (pid && isAlive(pid)) {
        process.kill(pid, 'SIGKILL');
      }
    }
    bystander?.kill('SIGKILL');
    rmSync(varDir, { recursive: true, force: true });
  });

  let first: Awaited<ReturnType<typeof startApp>>;

  it('starts on a fresh directory, answers /health and stores a row', async () => {
    first = await startApp();
    const res = await fetch(`${first.baseUrl}/health`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).info.database.status).toBe('up');
    expect(existsSync(join(pgDir, 'PG_VERSION'))).toBe(true);

    await query(first.pgPort, 'INSERT INTO subscribers (email, email_key) VALUES ($1, $1)', [email]);
  });

  it('writes only JSON lines from its first (the embedded server starting), and names that server in its banner', () => {
    const lines = first.app.log.split('\n').filter((l) => l.trim());
    // No coloured Nest default-logger line before the app's logger takes over.
    expect(lines.filter((l) => !l.startsWith('{'))).toEqual([]);
    const entries = lines.map((l) => JSON.parse(l) as { context?: string; msg?: string });
    expect(entries[0].context).toBe('EmbeddedPostgres');
    const banner = entries.find((e) => e.msg?.includes('Database:'));
    expect(banner?.msg).toContain(`Database:     embedded PostgreSQL at ${pgDir}`);
  });

  it('logs one JSON line per request with its id, without tokens or the Authorization header', async () => {
    const requestId = `req-${Date.now()}`;
    const res = await fetch(`${first.baseUrl}/no-such-page?token=TOPSECRET123&page=2`, {
      headers: { Authorization: 'Bearer BEARERSECRET456', 'X-Request-Id': requestId },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe(requestId);

    await first.app.waitFor(new RegExp(`"id":"${requestId}"`));
    const lines = first.app.log.split('\n').filter((l) => l.includes(requestId));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry.req).toMatchObject({ id: requestId, method: 'GET', url: '/no-such-page?token=[redacted]&page=2' });
    expect(entry.res.statusCode).toBe(404);
    expect(first.app.log).not.toContain('TOPSECRET123');
    expect(first.app.log).not.toContain('BEARERSECRET456');
    expect(first.app.log).not.toMatch(/authorization/i);

    // Without X-Request-Id the app makes one up, and two requests never share it.
    const a = await fetch(`${first.baseUrl}/no-such-page`);
    const b = await fetch(`${first.baseUrl}/no-such-page`);
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  it('after kill -9 of the Node process, PostgreSQL is left running with its postmaster.pid', async () => {
    first.app.child.kill('SIGKILL');
    expect(await first.app.exited()).toBeNull();
    leftoverPostgresPid = postmasterPid() ?? 0;
    expect(leftoverPostgresPid).toBeGreaterThan(0);
    expect(isAlive(leftoverPostgresPid)).toBe(true);
  });

  let second: Awaited<ReturnType<typeof startApp>>;

  it('starts again, recovers the leftover server, and the row written before is still there', async () => {
    second = await startApp();
    expect(second.app.log).toMatch(/previous embedded PostgreSQL .* still running/);
    expect(isAlive(leftoverPostgresPid)).toBe(false);

    const res = await fetch(`${second.baseUrl}/health`);
    expect(res.status).toBe(200);
    const rows = await query<{ email: string }>(second.pgPort, 'SELECT email FROM subscribers WHERE email = $1', [
      email,
    ]);
    expect(rows).toEqual([{ email }]);
  });

  it('on SIGTERM exits 0, stops PostgreSQL and leaves no postmaster.pid', async () => {
    const serverPid = postmasterPid();
    expect(serverPid && isAlive(serverPid)).toBe(true);
    second.app.child.kill('SIGTERM');
    expect(await second.app.exited()).toBe(0);
    expect(second.app.log).toMatch(/SIGTERM received/);
    expect(existsSync(join(pgDir, 'postmaster.pid'))).toBe(false);
    expect(isAlive(serverPid!)).toBe(false);
    await expect(fetch(`${second.baseUrl}/health`)).rejects.toThrow();
  });

  // After a power cut the server is gone but postmaster.pid remains; after a reboot (or in a new container)
  // its pid may belong to an unrelated process, which must not be signalled.
  it.each([
    ['names a process that has exited', () => deadPid()],
    ['names a live process that is not PostgreSQL', () => bystanderPid()],
  ])('starts when a stale postmaster.pid %s, without touching that process', async (_case, pidOf) => {
    const pid = await pidOf();
    writeFileSync(join(pgDir, 'postmaster.pid'), `${pid}\n${pgDir}\n`);
    const third = await startApp();
    expect(third.app.log).toMatch(/Removing stale postmaster\.pid/);
    expect((await fetch(`${third.baseUrl}/health`)).status).toBe(200);
    const rows = await query(third.pgPort, 'SELECT 1 FROM subscribers WHERE email = $1', [email]);
    expect(rows).toHaveLength(1);
    if (bystander) {
      expect(isAlive(bystander.pid!)).toBe(true);
    }
    third.app.child.kill('SIGTERM');
    expect(await third.app.exited()).toBe(0);
  });
});
