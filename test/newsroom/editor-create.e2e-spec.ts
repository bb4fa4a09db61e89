import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import request from 'supertest';
import { AppProcess, PROJECT_ROOT, temporaryVarDir } from '../helpers/app-process';
import { signIn } from '../helpers/editor-session';
import { freePort } from '../../src/database/embedded-postgres';
import { startTestApp } from '../helpers/test-app';
import { createTestDatabase, TestDatabase } from '../helpers/test-database';

const run = promisify(execFile);

/** `npm run editor:create`'s command as a real process (from source, as AppProcess runs main.ts). */
async function editorCreate(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/auth/editor-create.cli.ts', ...args],
      { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('editor:create and the first start in development', () => {
  let db: TestDatabase;
  let varDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    varDir = temporaryVarDir();
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(varDir, { recursive: true, force: true });
  });

  it('a fresh start with no editor says how to create one', async () => {
    const port = await freePort();
    const app = AppProcess.start({ PORT: String(port), VAR_DIR: varDir, DATABASE_URL: db.url, NASHRA_ROLE: 'web' });
    try {
      await app.waitFor(/npm run editor:create -- --email you@example\.com/);
    } finally {
      await app.kill();
    }
  });

  it('creates an editor with a generated password, printed once, that signs in; a duplicate email is refused', async () => {
    const env = { DATABASE_URL: db.url, VAR_DIR: varDir };
    const first = await editorCreate(['--email', 'Lina@Example.net', '--name', 'لينا'], env);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('Editor created: lina@example.net');
    const printed = /Password \(shown only this once[^:]*\): (\S+)/.exec(first.stdout);
    expect(printed).not.toBeNull();
    const password = printed![1];
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(first.stdout.split(password)).toHaveLength(2); // printed exactly once

    const again = await editorCreate(['--email', 'lina@example.net', '--password', 'another-password-1'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('An editor with the email lina@example.net already exists');

    const short = await editorCreate(['--email', 'sami@example.net', '--password', 'short'], env);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('--password must be at least');

    // The first editor became an owner without --role; later ones must say their role, from the five.
    const noRole = await editorCreate(['--email', 'sami@example.net'], env);
    expect(noRole.code).toBe(1);
    expect(noRole.stderr).toContain('say which role this one gets with --role');
    const badRole = await editorCreate(['--email', 'sami@example.net', '--role', 'boss'], env);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toContain('--role must be one of owner, chief, editor, writer, analyst');
    const writer = await editorCreate(['--email', 'sami@example.net', '--role', 'writer'], env);
    expect(writer).toMatchObject({ code: 0 });
    expect(writer.stdout).toContain('Editor created: sami@example.net (sami), role writer');

    const t = await startTestApp({ database: db });
    try {
      const agent = request.agent(t.baseUrl);
      await signIn(agent, { baseUrl: t.baseUrl, email: 'lina@example.net', password });
      const page = await agent.get('/admin').expect(200);
      expect(page.text).toContain('لينا');
      const [row] = (await t.dataSource.query(`SELECT password_hash, role FROM editors WHERE email = $1`, [
        'lina@example.net',
      ])) as { password_hash: string; role: string }[];
      expect(row.role).toBe('owner');
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.password_hash).not.toContain(password);
    } finally {
      await t.close();
    }
  });
});
