import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { runMigrationsLocked } from '../../src/database/migrator';
import { PROJECT_ROOT } from '../helpers/app-process';
import { createTestDatabase, TestDatabase } from '../helpers/test-database';

const run = promisify(execFile);

/** Every migration file in migrations/, by class name suffix (the timestamp). */
const migrationFiles = readdirSync(join(PROJECT_ROOT, 'migrations')).filter((f) => /^\d+-\w+\.ts$/.test(f));

async function publicTables(ds: DataSource): Promise<string[]> {
  const rows: Array<{ table_name: string }> = await ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

async function appliedCount(ds: DataSource): Promise<number> {
  const [{ count }] = await ds.query('SELECT count(*)::int AS count FROM migrations');
  return count;
}

describe('migrations on an empty database', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('all up: every migration is recorded and the shared schema exists', async () => {
    expect(await publicTables(ds)).toEqual([]);
    await runMigrationsLocked(ds);
    expect(await appliedCount(ds)).toBe(migrationFiles.length);
    const tables = await publicTables(ds);
    for (const table of ['subscribers', 'articles', 'topics', 'editions', 'edition_renders', 'deliveries']) {
      expect(tables).toContain(table);
    }
    expect(await ds.showMigrations()).toBe(false); // nothing pending
  });

  it('running them again changes nothing', async () => {
    const before = await publicTables(ds);
    await runMigrationsLocked(ds);
    expect(await appliedCount(ds)).toBe(migrationFiles.length);
    expect(await publicTables(ds)).toEqual(before);
  });

  it('all down: reverting every migration leaves only the migrations table', async () => {
    for (let left = migrationFiles.length; left > 0; left--) {
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await appliedCount(ds)).toBe(left - 1);
    }
    expect(await publicTables(ds)).toEqual(['migrations']);
    const types: Array<{ typname: string }> = await ds.query(
      `SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype = 'e'`,
    );
    expect(types).toEqual([]);
  });

  it('and up again after a full revert', async () => {
    await runMigrationsLocked(ds);
    expect(await appliedCount(ds)).toBe(migrationFiles.length);
  });
});

describe('two instances starting together', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy()));
    await db?.drop();
  });

  it('apply each migration exactly once under the advisory lock', async () => {
    for (let i = 0; i < 3; i++) {
      sources.push(await new DataSource(dataSourceOptions(db.url)).initialize());
    }
    await Promise.all(sources.map((s) => runMigrationsLocked(s)));
    const rows: Array<{ name: string }> = await sources[0].query('SELECT name FROM migrations');
    expect(rows).toHaveLength(migrationFiles.length);
    expect(new Set(rows.map((r) => r.name)).size).toBe(migrationFiles.length);
  });
});

describe('npm run migration:run / migration:revert', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const npm = (script: string) =>
    run('npm', ['run', '--silent', script], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: db.url },
      timeout: 120_000,
    });

  it('migration:run applies every pending migration to DATABASE_URL', async () => {
    await npm('migration:run');
    expect(await appliedCount(ds)).toBe(migrationFiles.length);
    expect(await publicTables(ds)).toContain('subscribers');
  });

  it('migration:revert undoes exactly the last one', async () => {
    await npm('migration:revert');
    expect(await appliedCount(ds)).toBe(migrationFiles.length - 1);
  });

  it('migration:generate refuses a name that is not PascalCase, writing nothing', async () => {
    const before = readdirSync(join(PROJECT_ROOT, 'migrations'));
    await expect(npm('migration:generate')).rejects.toMatchObject({ stderr: expect.stringContaining('PascalCase') });
    expect(readdirSync(join(PROJECT_ROOT, 'migrations'))).toEqual(before);
  });
});
