import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { runMigrationsLocked } from '../../src/database/migrator';
import { createTestDatabase, TestDatabase } from '../helpers/test-database';

/** Issue 22's migration: editors who existed before roles keep every power (owners); new rows must name a role. */
describe('the EditorRoles migration', () => {
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

  it('makes existing editors owners, and later inserts without a role fail', async () => {
    await runMigrationsLocked(ds);
    const applied = async () =>
      (
        (await ds.query(`SELECT count(*)::int AS n FROM migrations WHERE name = 'EditorRoles1795643000000'`)) as {
          n: number;
        }[]
      )[0].n;
    // Back to the schema before roles (undoing whatever came after it too).
    while ((await applied()) > 0) {
      await ds.undoLastMigration();
    }
    await ds.query(
      `INSERT INTO editors (email, name, password_hash) VALUES ('old@nashra.test', 'قديم', 'x'), ('older@nashra.test', 'أقدم', NULL)`,
    );
    await runMigrationsLocked(ds);
    expect(await ds.query(`SELECT email, role, grants FROM editors ORDER BY email`)).toEqual([
      { email: 'old@nashra.test', role: 'owner', grants: [] },
      { email: 'older@nashra.test', role: 'owner', grants: [] },
    ]);
    await expect(
      ds.query(`INSERT INTO editors (email, name, password_hash) VALUES ('new@nashra.test', 'جديد', 'x')`),
    ).rejects.toThrow(/null value in column "role"/);
    await expect(
      ds.query(
        `INSERT INTO editors (email, name, password_hash, role) VALUES ('new@nashra.test', 'جديد', 'x', 'boss')`,
      ),
    ).rejects.toThrow(/ck_editors_role/);
    await expect(
      ds.query(
        `INSERT INTO editors (email, name, password_hash, role, grants) VALUES ('new@nashra.test', 'جديد', 'x', 'editor', '{editors.manage}')`,
      ),
    ).rejects.toThrow(/ck_editors_grants/);
  });
});
