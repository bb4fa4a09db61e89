import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { runMigrationsLocked } from '../../src/database/migrator';
import { PROJECT_ROOT } from '../helpers/app-process';
import { createTestDatabase, TestDatabase } from '../helpers/test-database';

const NEWSLETTERS_MIGRATION = 1795642000000;
const migrationsDir = join(PROJECT_ROOT, 'migrations');
/** The previous version: every migration before Newsletters. */
const previous = readdirSync(migrationsDir)
  .filter((f) => /^\d+-\w+\.ts$/.test(f) && Number(f.split('-')[0]) < NEWSLETTERS_MIGRATION)
  .map((f) => join(migrationsDir, f));

async function subscriptionsOf(ds: DataSource, email: string): Promise<Record<string, string>> {
  const rows: Array<{ slug: string; status: string }> = await ds.query(
    `SELECT n.slug, sub.status FROM subscriptions sub
       JOIN newsletters n ON n.id = sub.newsletter_id JOIN subscribers s ON s.id = sub.subscriber_id
      WHERE s.email = $1`,
    [email],
  );
  return Object.fromEntries(rows.map((r) => [r.slug, r.status]));
}

async function counts(ds: DataSource): Promise<Record<string, number>> {
  const rows: Array<{ slug: string; subscriber_count: number }> = await ds.query(
    'SELECT slug, subscriber_count FROM newsletters',
  );
  return Object.fromEntries(rows.map((r) => [r.slug, r.subscriber_count]));
}

describe('the Newsletters migration on a database made by the previous version', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    const old = await new DataSource({ ...dataSourceOptions(db.url), migrations: previous }).initialize();
    await runMigrationsLocked(old);
    // Readers as the previous version stored them: a frequency and a status, nothing else.
    await old.query(
      `INSERT INTO subscribers (email, email_key, status, frequency, consent)
       VALUES ('daily@example.org', 'daily@example.org', 'active', 'daily', '{"wording": "old form"}'),
              ('weekly@example.org', 'weekly@example.org', 'active', 'weekly', NULL),
              ('pending@example.org', 'pending@example.org', 'pending', 'weekly', NULL),
              ('left@example.org', 'left@example.org', 'unsubscribed', 'daily', NULL),
              ('bounced@example.org', 'bounced@example.org', 'bounced', 'daily', NULL)`,
    );
    await old.query(
      `INSERT INTO editions (key, kind, frequency, window_from, window_to, status)
       VALUES ('daily:2026-11-20', 'digest', 'daily', now() - interval '1 day', now(), 'sent'),
              ('weekly:2026-W47', 'digest', 'weekly', now() - interval '7 days', now(), 'sent'),
              ('breaking/1', 'breaking', NULL, now(), now(), 'sent')`,
    );
    await old.destroy();
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    await runMigrationsLocked(ds);
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('creates daily, weekly (digests on the standard schedules) and breaking (alerts)', async () => {
    const rows: Array<{ slug: string; kind: string; period: string | null; schedule_cron: string | null }> =
      await ds.query('SELECT slug, kind, period, schedule_cron FROM newsletters ORDER BY position');
    expect(rows).toEqual([
      { slug: 'daily', kind: 'digest', period: 'daily', schedule_cron: null },
      { slug: 'weekly', kind: 'digest', period: 'weekly', schedule_cron: null },
      { slug: 'breaking', kind: 'alerts', period: null, schedule_cron: null },
    ]);
  });

  it("keeps every reader's digest and subscribes every active reader to alerts", async () => {
    expect(await subscriptionsOf(ds, 'daily@example.org')).toEqual({ daily: 'active', breaking: 'active' });
    expect(await subscriptionsOf(ds, 'weekly@example.org')).toEqual({ weekly: 'active', breaking: 'active' });
    // Still confirming: gets both once the address is confirmed, as before.
    expect(await subscriptionsOf(ds, 'pending@example.org')).toEqual({ weekly: 'active', breaking: 'active' });
    // Readers who left stay out; a bounced address keeps its digest on record but gets nothing.
    expect(await subscriptionsOf(ds, 'left@example.org')).toEqual({ daily: 'unsubscribed' });
    expect(await subscriptionsOf(ds, 'bounced@example.org')).toEqual({ daily: 'active' });
    const [consent]: Array<{ consent: unknown }> = await ds.query(
      `SELECT sub.consent FROM subscriptions sub JOIN subscribers s ON s.id = sub.subscriber_id
        WHERE s.email = 'daily@example.org' LIMIT 1`,
    );
    expect(consent.consent).toEqual({ wording: 'old form' });
  });

  it('attaches existing editions to their newsletter', async () => {
    const rows: Array<{ key: string; slug: string }> = await ds.query(
      `SELECT e.key, n.slug FROM editions e JOIN newsletters n ON n.id = e.newsletter_id ORDER BY e.id`,
    );
    expect(rows).toEqual([
      { key: 'daily:2026-11-20', slug: 'daily' },
      { key: 'weekly:2026-W47', slug: 'weekly' },
      { key: 'breaking/1', slug: 'breaking' },
    ]);
  });

  it('keeps the subscriber counts: active subscriptions of active readers, moved by every change', async () => {
    expect(await counts(ds)).toEqual({ daily: 1, weekly: 1, breaking: 2 });
    await ds.query(`UPDATE subscribers SET status = 'active' WHERE email = 'pending@example.org'`);
    expect(await counts(ds)).toEqual({ daily: 1, weekly: 2, breaking: 3 });
    await ds.query(
      `UPDATE subscriptions SET status = 'unsubscribed' WHERE newsletter_id = (SELECT id FROM newsletters
        WHERE slug = 'breaking') AND subscriber_id = (SELECT id FROM subscribers WHERE email = 'weekly@example.org')`,
    );
    expect(await counts(ds)).toEqual({ daily: 1, weekly: 2, breaking: 2 });
    await ds.query(`UPDATE subscribers SET status = 'bounced' WHERE email = 'daily@example.org'`);
    expect(await counts(ds)).toEqual({ daily: 0, weekly: 2, breaking: 1 });
    await ds.query(`DELETE FROM subscribers WHERE email = 'pending@example.org'`);
    expect(await counts(ds)).toEqual({ daily: 0, weekly: 1, breaking: 0 });
    // Each move is also today's growth: joins and departures since the migration.
    const growth: Array<{ slug: string; joined: number; left: number }> = await ds.query(
      `SELECT n.slug, g.joined, g."left" FROM newsletter_growth g JOIN newsletters n ON n.id = g.newsletter_id
        ORDER BY n.position`,
    );
    expect(growth).toEqual([
      { slug: 'daily', joined: 0, left: 1 },
      { slug: 'weekly', joined: 1, left: 1 },
      { slug: 'breaking', joined: 1, left: 3 },
    ]);
  });

  it('reverts to the previous schema and applies again', async () => {
    // Undo down to (and including) Newsletters: later migrations (ImportNewsletters, others') go first.
    for (;;) {
      const [last]: Array<{ name: string }> = await ds.query('SELECT name FROM migrations ORDER BY id DESC LIMIT 1');
      await ds.undoLastMigration();
      if (last.name === 'Newsletters1795642000000') {
        break;
      }
    }
    const tables: Array<{ table_name: string }> = await ds.query(
      `SELECT table_name FROM information_schema.tables
        WHERE table_name IN ('newsletters', 'subscriptions', 'newsletter_growth')`,
    );
    expect(tables).toEqual([]);
    await runMigrationsLocked(ds);
    expect(Object.keys(await counts(ds)).sort()).toEqual(['breaking', 'daily', 'weekly']);
  });
});
