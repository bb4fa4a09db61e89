import type { DataSource } from 'typeorm';
import { LAST_SENT_BY_NEWSLETTER_SQL } from '../../src/digests/editions.repository';
import { GROWTH_SQL } from '../../src/subscribers/newsletters.repository';
import { insertReaders } from '../factories/readers';
import { createTestDatabase, migratedDataSource, type TestDatabase } from '../helpers/test-database';

/** The plan PostgreSQL chooses, as text (no ANALYZE: the shape is what matters, not this machine's timing). */
async function plan(ds: DataSource, sql: string, params: unknown[] = []): Promise<string> {
  const rows: Array<{ 'QUERY PLAN': string }> = await ds.query(`EXPLAIN ${sql}`, params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe('Newsletters screen queries at a realistic size read kept rows through indexes', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await migratedDataSource(db.url);
    // 30,000 readers in three newsletters each, four years of daily and weekly editions, five years of growth rows.
    await insertReaders(ds, { count: 15_000, prefix: 'd', newsletters: ['daily', 'breaking'] });
    await insertReaders(ds, { count: 15_000, prefix: 'w', frequency: 'weekly', newsletters: ['weekly', 'breaking'] });
    await ds.query(
      `INSERT INTO editions (key, kind, frequency, window_from, window_to, status, newsletter_id, sent_at)
       SELECT n.slug || ':' || g, 'digest', n.period, now() - make_interval(days => g + 1),
              now() - make_interval(days => g), 'sent', n.id, now() - make_interval(days => g)
         FROM newsletters n CROSS JOIN generate_series(1, 1500) AS g WHERE n.kind = 'digest'`,
    );
    await ds.query(
      `INSERT INTO newsletter_growth (newsletter_id, day, joined, "left")
       SELECT n.id, current_date - g, 10, 2 FROM newsletters n CROSS JOIN generate_series(1, 1825) AS g
       ON CONFLICT DO NOTHING`,
    );
    await ds.query('ANALYZE');
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('the subscriber counts are kept, not counted', async () => {
    const rows: Array<{ slug: string; subscriber_count: number }> = await ds.query(
      'SELECT slug, subscriber_count FROM newsletters ORDER BY position',
    );
    expect(rows).toEqual([
      { slug: 'daily', subscriber_count: 15_000 },
      { slug: 'weekly', subscriber_count: 15_000 },
      { slug: 'breaking', subscriber_count: 30_000 },
    ]);
  });

  it("each newsletter's last edition is one index walk, not a scan of the editions", async () => {
    const text = await plan(ds, LAST_SENT_BY_NEWSLETTER_SQL);
    expect(text).toContain('ix_editions_newsletter');
    expect(text).not.toMatch(/Seq Scan on editions/);
  });

  it('growth over 30 days reads the growth rows by their key', async () => {
    const text = await plan(ds, GROWTH_SQL, [30]);
    expect(text).toMatch(/Index (Only )?Scan using pk_newsletter_growth|Bitmap Index Scan on pk_newsletter_growth/);
    expect(text).not.toMatch(/Seq Scan on newsletter_growth/);
  });
});
