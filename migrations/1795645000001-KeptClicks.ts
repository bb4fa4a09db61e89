import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Engagement kept, not computed (issue 24): clicks per tracked link (edition_links.clicks), and per edition the
 * readers who clicked, opens by readers and by machines (edition_engagement), and clicks per hour after the
 * edition's sending started (edition_click_hours, the engagement card's 48-hour chart). Kept by statement-level
 * triggers on clicks and opens, like the ledger's counts (migration KeptCounts).
 *
 * They are what happened, so removing per-reader rows leaves them: an expired edition (DELIVERY_RETENTION_DAYS)
 * keeps its clicks per link and its rates once its ledger, clicks and opens rows are gone, and an erased reader's
 * click stays an anonymous one in the totals.
 */
export class KeptClicks1795645000001 implements MigrationInterface {
  name = 'KeptClicks1795645000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`LOCK TABLE "clicks", "opens" IN SHARE ROW EXCLUSIVE MODE`);
    await queryRunner.query(`ALTER TABLE "edition_links" ADD "clicks" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`
            CREATE TABLE "edition_engagement" (
                "edition_id" bigint PRIMARY KEY REFERENCES "editions"("id") ON DELETE CASCADE,
                "clickers" integer NOT NULL DEFAULT 0,
                "reader_opens" integer NOT NULL DEFAULT 0,
                "machine_opens" integer NOT NULL DEFAULT 0
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "edition_click_hours" (
                "edition_id" bigint NOT NULL REFERENCES "editions"("id") ON DELETE CASCADE,
                "hour" integer NOT NULL,
                "clicks" integer NOT NULL DEFAULT 0,
                CONSTRAINT "pk_edition_click_hours" PRIMARY KEY ("edition_id", "hour")
            )
        `);
    // A click is a reader's first in the edition when no other click of that delivery exists.
    await queryRunner.query(`
            CREATE FUNCTION clicks_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
              -- Two first clicks of one reader at the same instant (two links) must not both count as the first:
              -- the delivery's row lock makes the second wait, and its count below then sees the first.
              PERFORM 1 FROM deliveries WHERE id IN (SELECT delivery_id FROM new_rows) ORDER BY id FOR NO KEY UPDATE;
              UPDATE edition_links l SET clicks = l.clicks + n.clicks
              FROM (SELECT edition_id, link_index, count(*) AS clicks FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2) n
              WHERE l.edition_id = n.edition_id AND l.link_index = n.link_index;
              INSERT INTO edition_engagement AS g (edition_id, clickers)
              SELECT edition_id, count(*) FROM (
                SELECT n.edition_id, n.delivery_id FROM new_rows n GROUP BY 1, 2
                HAVING count(*) = (SELECT count(*) FROM clicks c WHERE c.delivery_id = n.delivery_id)
              ) first_clicks GROUP BY edition_id ORDER BY edition_id
              ON CONFLICT (edition_id) DO UPDATE SET clickers = g.clickers + EXCLUDED.clickers;
              INSERT INTO edition_click_hours AS h (edition_id, hour, clicks)
              SELECT n.edition_id, floor(extract(epoch FROM n.clicked_at - e.sending_started_at) / 3600)::int, count(*)
              FROM new_rows n JOIN editions e ON e.id = n.edition_id
              WHERE e.sending_started_at IS NOT NULL AND n.clicked_at >= e.sending_started_at
              GROUP BY 1, 2 ORDER BY 1, 2
              ON CONFLICT (edition_id, hour) DO UPDATE SET clicks = h.clicks + EXCLUDED.clicks;
              RETURN NULL;
            END $fn$`);
    await queryRunner.query(`
            CREATE TRIGGER clicks_count_inserted AFTER INSERT ON clicks
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION clicks_count_inserted()`);
    const opensUpsert = (changes: string) => `
              INSERT INTO edition_engagement AS g (edition_id, reader_opens, machine_opens)
              SELECT edition_id, sum(CASE WHEN opened_at IS NOT NULL THEN delta ELSE 0 END),
                     sum(CASE WHEN opened_at IS NULL THEN delta ELSE 0 END)
              FROM (${changes}) ch GROUP BY edition_id ORDER BY edition_id
              ON CONFLICT (edition_id) DO UPDATE SET reader_opens = g.reader_opens + EXCLUDED.reader_opens,
                                                     machine_opens = g.machine_opens + EXCLUDED.machine_opens;`;
    await queryRunner.query(`
            CREATE FUNCTION opens_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
              ${opensUpsert('SELECT edition_id, opened_at, 1 AS delta FROM new_rows')}
              RETURN NULL;
            END $fn$`);
    await queryRunner.query(`
            CREATE FUNCTION opens_count_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
              ${opensUpsert(
                'SELECT edition_id, opened_at, 1 AS delta FROM new_rows UNION ALL SELECT edition_id, opened_at, -1 FROM old_rows',
              )}
              RETURN NULL;
            END $fn$`);
    await queryRunner.query(`
            CREATE TRIGGER opens_count_inserted AFTER INSERT ON opens
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION opens_count_inserted()`);
    await queryRunner.query(`
            CREATE TRIGGER opens_count_updated AFTER UPDATE ON opens
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION opens_count_updated()`);

    await queryRunner.query(`
            UPDATE edition_links l SET clicks = c.n
            FROM (SELECT edition_id, link_index, count(*) AS n FROM clicks GROUP BY 1, 2) c
            WHERE l.edition_id = c.edition_id AND l.link_index = c.link_index`);
    await queryRunner.query(`
            INSERT INTO edition_engagement (edition_id, clickers, reader_opens, machine_opens)
            SELECT e.id, coalesce(c.n, 0), coalesce(o.readers, 0), coalesce(o.machines, 0)
            FROM editions e
            LEFT JOIN (SELECT edition_id, count(DISTINCT delivery_id) AS n FROM clicks GROUP BY 1) c ON c.edition_id = e.id
            LEFT JOIN (SELECT edition_id, count(opened_at) AS readers, count(*) FILTER (WHERE opened_at IS NULL) AS machines
                       FROM opens GROUP BY 1) o ON o.edition_id = e.id
            WHERE c.n IS NOT NULL OR o.edition_id IS NOT NULL`);
    await queryRunner.query(`
            INSERT INTO edition_click_hours (edition_id, hour, clicks)
            SELECT c.edition_id, floor(extract(epoch FROM c.clicked_at - e.sending_started_at) / 3600)::int, count(*)
            FROM clicks c JOIN editions e ON e.id = c.edition_id
            WHERE e.sending_started_at IS NOT NULL AND c.clicked_at >= e.sending_started_at
            GROUP BY 1, 2`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER opens_count_updated ON opens`);
    await queryRunner.query(`DROP TRIGGER opens_count_inserted ON opens`);
    await queryRunner.query(`DROP TRIGGER clicks_count_inserted ON clicks`);
    await queryRunner.query(`DROP FUNCTION opens_count_updated()`);
    await queryRunner.query(`DROP FUNCTION opens_count_inserted()`);
    await queryRunner.query(`DROP FUNCTION clicks_count_inserted()`);
    await queryRunner.query(`DROP TABLE "edition_click_hours"`);
    await queryRunner.query(`DROP TABLE "edition_engagement"`);
    await queryRunner.query(`ALTER TABLE "edition_links" DROP COLUMN "clicks"`);
  }
}
