import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { AppProcess, temporaryVarDir } from '../helpers/app-process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, serverUrl, TestDatabase } from '../helpers/test-database';

/** Runs one statement as the test server's admin user. */
async function asAdmin(sql: string): Promise<void> {
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

// What someone sees the first time they run nashra (the real src/main.ts in a child process; its stdout is a
// pipe, not a terminal, so logs are JSON lines). test/foundation/embedded-restart.e2e-spec.ts starts the
// embedded PostgreSQL; here an external database keeps the suite quick.

interface LogLine {
  level: number;
  msg?: string;
  context?: string;
  req?: { url: string };
}

function logLines(app: AppProcess): LogLine[] {
  return app.log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

const INFO = 30;
const WARN = 40;

describe('first run', () => {
  let db: TestDatabase;
  let varDir: string;
  const started: AppProcess[] = [];
  const roles: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    varDir = temporaryVarDir();
  });
  afterAll(async () => {
    for (const app of started) {
      await app.kill();
    }
    await db?.drop();
    for (const role of roles) {
      await asAdmin(`DROP ROLE IF EXISTS ${role}`);
    }
    rmSync(varDir, { recursive: true, force: true });
  });

  describe('in development without SMTP_URL', () => {
    let app: AppProcess;
    let port: number;
    const dbPassword = 'DbPassw0rd-never-printed';
    // A role of its own with a known password, so the check holds whether the test server trusts local
    // connections (this machine's PostgreSQL) or asks for a password (the embedded one).
    const dbUser = `nashra_first_run_${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      port = await freePort();
      await asAdmin(`CREATE ROLE ${dbUser} LOGIN SUPERUSER PASSWORD '${dbPassword}'`);
      roles.push(dbUser);
      const url = new URL(db.url);
      url.username = dbUser;
      url.password = dbPassword;
      app = AppProcess.start({ PORT: String(port), VAR_DIR: varDir, DATABASE_URL: url.toString() });
      started.push(app);
      await app.waitFor(/listening on/);
    });

    it('logs one start-up banner saying where the newsroom, sign-in, form, outbox and database are', () => {
      const banners = logLines(app).filter((l) => l.msg?.includes('Newsroom:'));
      expect(banners).toHaveLength(1);
      const [banner] = banners;
      expect(banner.level).toBe(INFO);
      const base = `http://localhost:${port}`;
      expect(banner.msg).toContain(`nashra (all) listening on ${base}`);
      expect(banner.msg).toMatch(new RegExp(`Newsroom: +${base}/admin\\n`));
      expect(banner.msg).toMatch(
        new RegExp(
          `Sign in: +${base}/admin/login \\(first editor: npm run editor:create -- --email you@example.com\\)`,
        ),
      );
      expect(banner.msg).toContain(`API token:    in ${join(varDir, 'editor-token')}`);
      expect(banner.msg).toMatch(new RegExp(`Footer form: +${base}/embed/form\\n`));
      expect(banner.msg).toContain(`Outbox:       ${join(varDir, 'outbox')} (SMTP_URL unset`);
      expect(banner.msg).toContain(`Database:     postgres://127.0.0.1:${new URL(db.url).port}/${db.name}`);
    });

    it('never prints a secret: not the editor token, the secret key or the database password', () => {
      const editorToken = readFileSync(join(varDir, 'editor-token'), 'utf8').trim();
      const secretKey = readFileSync(join(varDir, 'secret-key'), 'utf8').trim();
      expect(editorToken.length).toBeGreaterThan(20);
      for (const secret of [editorToken, secretKey, dbPassword]) {
        expect(app.log).not.toContain(secret);
      }
    });

    it("keeps Nest's module and route-mapping lines out of the info log", () => {
      const info = logLines(app).filter((l) => l.level >= INFO);
      expect(info.filter((l) => /Mapped \{|dependencies initialized/.test(l.msg ?? ''))).toEqual([]);
      expect(
        info.filter((l) => ['RoutesResolver', 'RouterExplorer', 'InstanceLoader'].includes(l.context ?? '')),
      ).toEqual([]);
      // No coloured Nest default-logger lines: every line on stdout is JSON.
      expect(app.log.split('\n').filter((l) => l.trim() && !l.startsWith('{'))).toEqual([]);
    });

    it('answers /favicon.ico and /favicon.svg with an icon, and logs no warning for them', async () => {
      const ico = await fetch(`http://127.0.0.1:${port}/favicon.ico`);
      expect(ico.status).toBe(200);
      expect(ico.headers.get('content-type')).toBe('image/x-icon');
      const bytes = Buffer.from(await ico.arrayBuffer());
      expect([...bytes.subarray(0, 4)]).toEqual([0, 0, 1, 0]); // ICO header: reserved 0, type 1 (icon)
      expect(bytes.subarray(22, 26).toString('latin1')).toBe('\x89PNG');
      expect(bytes.length).toBeLessThan(4096);

      const svg = await fetch(`http://127.0.0.1:${port}/favicon.svg`);
      expect(svg.status).toBe(200);
      expect(svg.headers.get('content-type')).toContain('image/svg+xml');
      expect(await svg.text()).toMatch(/^<svg /);

      // A request that is logged, so the favicon requests before it would have been too.
      expect((await fetch(`http://127.0.0.1:${port}/no-such-page`)).status).toBe(404);
      await app.waitFor(/"url":"\/no-such-page"/);
      expect(logLines(app).filter((l) => l.req?.url?.startsWith('/favicon'))).toEqual([]);
      expect(logLines(app).filter((l) => l.level >= WARN && l.msg?.includes('favicon'))).toEqual([]);
    });
  });

  it('with SMTP_URL, names the SMTP server in the banner without its user or password', async () => {
    const port = await freePort();
    const app = AppProcess.start({
      PORT: String(port),
      VAR_DIR: varDir,
      DATABASE_URL: db.url,
      NASHRA_ROLE: 'web',
      EDITOR_TOKEN: 'an-editor-token-from-the-environment',
      SMTP_URL: 'smtp://mailer:SmtpPassw0rd@127.0.0.1:2525',
    });
    started.push(app);
    await app.waitFor(/listening on/);
    const banner = logLines(app).find((l) => l.msg?.includes('Newsroom:'))!;
    expect(banner.msg).toContain('nashra (web) listening on');
    expect(banner.msg).toContain('Mail:         sent through smtp://127.0.0.1:2525');
    expect(banner.msg).not.toContain('Outbox:');
    // EDITOR_TOKEN comes from the environment: no token file to point at.
    expect(banner.msg).not.toContain('API token:');
    expect(app.log).not.toContain('SmtpPassw0rd');
    expect(app.log).not.toContain('mailer:');
    expect(app.log).not.toContain('an-editor-token-from-the-environment');
    app.child.kill('SIGTERM');
    expect(await app.exited()).toBe(0);
  });

  describe('when PORT is taken', () => {
    let squatter: Server;
    let port: number;

    beforeAll(async () => {
      port = await freePort();
      squatter = createServer();
      await new Promise<void>((resolve) => squatter.listen(port, resolve));
    });
    afterAll(() => new Promise((resolve) => squatter.close(resolve)));

    it('exits 1 with one line naming the port and PORT, no stack, and starts no database', async () => {
      const app = AppProcess.start({ PORT: String(port), VAR_DIR: varDir });
      started.push(app);
      expect(await app.exited()).toBe(1);
      const lines = app.log.split('\n').filter((l) => l.trim());
      expect(lines).toEqual([`Port ${port} is already in use: set PORT to another port, or stop the program using it`]);
      expect(app.log).not.toMatch(/EADDRINUSE|\n\s+at /);
      expect(existsSync(join(varDir, 'postgres'))).toBe(false);
    });
  });
});
