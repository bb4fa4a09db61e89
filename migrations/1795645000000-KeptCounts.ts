import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counts kept, not computed (issue 24): at a million readers and ten million ledger rows, every newsroom page
 * that counted rows took seconds, and the sending screen polled such a count every second.
 *
 * - edition_counts: one row per edition, its deliveries per status, the time of its last accepted message and
 *   a two-window counter of recent sends (the progress fragment's rate).
 * - reader_counts: readers per (status, frequency, set of topics followed), split over 16 shards picked by the
 *   writing connection so that concurrent sign-ups never wait for one another's row lock. Readers' topic sets
 *   are few next to readers (a few hundred combinations of a site's topics), so "how many active daily readers
 *   follow a topic of this edition" (the next digest's audience) and followers per topic are sums over this
 *   small table, never a pass over the readers. Topics are kept sorted and without repeats.
 * - reader_flow: sign-ups (by created_at) and unsubscribes (by unsubscribed_at) per quarter hour (UTC), so the
 *   dashboard's chart adds up days in any time zone (every zone's offset is a multiple of 15 minutes).
 *
 * They are kept by statement-level AFTER triggers with transition tables: the change and its count are in the
 * same statement, whichever statement of the owning repository made it (write-back, retry, late bounce, import,
 * erasure), and one trigger run aggregates a whole statement (a write-back of 200 rows is one upsert, not 200).
 * The nightly reconciliation (CountsReconciliation) recounts and logs any drift.
 *
 * Deleting ledger rows of an edition whose rows expired (edition_counts.rows_expired_at set: DeliveryRetention,
 * DELIVERY_RETENTION_DAYS after its last message, or its first row when it sent none) leaves its counts as they
 * were: they are the edition's record once the per-reader rows are gone.
 *
 * Also: the reader search's `email_key LIKE '%…%'` gets a trigram index (pg_trgm ships with PostgreSQL's
 * contrib, in the embedded PostgreSQL 18 and Debian's postgresql-15 alike; it is a trusted extension, so the
 * database owner may create it), and a reader's record reads their deliveries by (subscriber_id, id).
 */
/** A reader's topics as reader_counts keys them: sorted, without repeats (`{}`: every topic). */
export const TOPIC_SET = `ARRAY(SELECT DISTINCT t FROM unnest(topics) AS t ORDER BY t)`;

export class KeptCounts1795645000000 implements MigrationInterface {
  name = 'KeptCounts1795645000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // No writer may slip between the backfill and the triggers (readers of both tables go on).
    await queryRunner.query(`LOCK TABLE "deliveries", "subscribers" IN SHARE ROW EXCLUSIVE MODE`);

    await queryRunner.query(`
            CREATE TABLE "edition_counts" (
                "edition_id" bigint PRIMARY KEY REFERENCES "editions"("id") ON DELETE CASCADE,
                "queued" bigint NOT NULL DEFAULT 0,
                "sending" bigint NOT NULL DEFAULT 0,
                "sent" bigint NOT NULL DEFAULT 0,
                "failed" bigint NOT NULL DEFAULT 0,
                "bounced" bigint NOT NULL DEFAULT 0,
                "skipped" bigint NOT NULL DEFAULT 0,
                "last_sent_at" TIMESTAMP WITH TIME ZONE,
                "window_start" TIMESTAMP WITH TIME ZONE,
                "window_sent" integer NOT NULL DEFAULT 0,
                "previous_window_start" TIMESTAMP WITH TIME ZONE,
                "previous_window_sent" integer NOT NULL DEFAULT 0,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "rows_expired_at" TIMESTAMP WITH TIME ZONE
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "reader_counts" (
                "status" text NOT NULL,
                "frequency" text NOT NULL,
                "topics" text array NOT NULL,
                "shard" smallint NOT NULL,
                "n" bigint NOT NULL DEFAULT 0,
                CONSTRAINT "pk_reader_counts" PRIMARY KEY ("status", "frequency", "topics", "shard")
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "reader_flow" (
                "quarter" TIMESTAMP WITH TIME ZONE NOT NULL,
                "shard" smallint NOT NULL,
                "signups" integer NOT NULL DEFAULT 0,
                "unsubscribes" integer NOT NULL DEFAULT 0,
                CONSTRAINT "pk_reader_flow" PRIMARY KEY ("quarter", "shard")
            )
        `);

    // Ledger: +1 per new row's status, -1 per old row's; a statement whose rows kept their status changes nothing.
    const editionUpsert = (changes: string) => `
      INSERT INTO edition_counts AS c (edition_id, queued, sending, sent, failed, bounced, skipped,
                                       last_sent_at, window_start, window_sent)
      SELECT edition_id, queued, sending, sent, failed, bounced, skipped,
             CASE WHEN sent > 0 THEN clock_timestamp() END, CASE WHEN sent > 0 THEN clock_timestamp() END,
             greatest(sent, 0)
      FROM (
        SELECT edition_id,
               sum(CASE WHEN status = 'queued' THEN delta ELSE 0 END) AS queued,
               sum(CASE WHEN status = 'sending' THEN delta ELSE 0 END) AS sending,
               sum(CASE WHEN status = 'sent' THEN delta ELSE 0 END) AS sent,
               sum(CASE WHEN status = 'failed' THEN delta ELSE 0 END) AS failed,
               sum(CASE WHEN status = 'bounced' THEN delta ELSE 0 END) AS bounced,
               sum(CASE WHEN status = 'skipped' THEN delta ELSE 0 END) AS skipped
        FROM (${changes}) ch
        GROUP BY edition_id
      ) d
      WHERE (queued, sending, sent, failed, bounced, skipped) <> (0, 0, 0, 0, 0, 0)
      -- Rows locked in one order, so two statements touching the same editions never deadlock.
      ORDER BY edition_id
      ON CONFLICT (edition_id) DO UPDATE SET
        queued = c.queued + EXCLUDED.queued, sending = c.sending + EXCLUDED.sending, sent = c.sent + EXCLUDED.sent,
        failed = c.failed + EXCLUDED.failed, bounced = c.bounced + EXCLUDED.bounced,
        skipped = c.skipped + EXCLUDED.skipped,
        last_sent_at = CASE WHEN EXCLUDED.sent > 0 THEN clock_timestamp() ELSE c.last_sent_at END,
        -- Recent sends in two 30-second windows: a new window starts once the current one is 30 s old.
        previous_window_start = CASE WHEN EXCLUDED.sent > 0 AND (c.window_start IS NULL OR c.window_start < clock_timestamp() - interval '30 seconds')
                                     THEN c.window_start ELSE c.previous_window_start END,
        previous_window_sent = CASE WHEN EXCLUDED.sent > 0 AND (c.window_start IS NULL OR c.window_start < clock_timestamp() - interval '30 seconds')
                                    THEN c.window_sent ELSE c.previous_window_sent END,
        window_start = CASE WHEN EXCLUDED.sent > 0 AND (c.window_start IS NULL OR c.window_start < clock_timestamp() - interval '30 seconds')
                            THEN clock_timestamp() ELSE c.window_start END,
        window_sent = CASE WHEN EXCLUDED.sent > 0 AND (c.window_start IS NULL OR c.window_start < clock_timestamp() - interval '30 seconds')
                           THEN EXCLUDED.sent ELSE c.window_sent + greatest(EXCLUDED.sent, 0) END;`;
    await queryRunner.query(`
            CREATE FUNCTION deliveries_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
              ${editionUpsert('SELECT edition_id, status, 1 AS delta FROM new_rows')}
              RETURN NULL;
            END $fn$`);
    await queryRunner.query(`
            CREATE FUNCTION deliveries_count_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
              ${editionUpsert(
                'SELECT edition_id, status, 1 AS delta FROM new_rows UNION ALL SELECT edition_id, status, -1 FROM old_rows',
              )}
              RETURN NULL;
            END $fn$`);
    // Deleted rows leave the count (a reader's erasure), except once an edition's rows have expired on purpose.
    await queryRunner.query(`
            CREATE FUNCTION deliveries_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
              UPDATE edition_counts c
              SET queued = c.queued - d.queued, sending = c.sending - d.sending, sent = c.sent - d.sent,
                  failed = c.failed - d.failed, bounced = c.bounced - d.bounced, skipped = c.skipped - d.skipped
              FROM (
                SELECT edition_id,
                       count(*) FILTER (WHERE status = 'queued') AS queued,
                       count(*) FILTER (WHERE status = 'sending') AS sending,
                       count(*) FILTER (WHERE status = 'sent') AS sent,
                       count(*) FILTER (WHERE status = 'failed') AS failed,
                       count(*) FILTER (WHERE status = 'bounced') AS bounced,
                       count(*) FILTER (WHERE status = 'skipped') AS skipped
                FROM old_rows GROUP BY edition_id ORDER BY edition_id
              ) d
              WHERE c.edition_id = d.edition_id AND c.rows_expired_at IS NULL;
              RETURN NULL;
            END $fn$`);
    await queryRunner.query(`
            CREATE TRIGGER deliveries_count_inserted AFTER INSERT ON deliveries
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION deliveries_count_inserted()`);
    await queryRunner.query(`
            CREATE TRIGGER deliveries_count_updated AFTER UPDATE ON deliveries
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION deliveries_count_updated()`);
    await queryRunner.query(`
            CREATE TRIGGER deliveries_count_deleted AFTER DELETE ON deliveries
            REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION deliveries_count_deleted()`);

    // Readers: the same signed deltas, into the writing connection's shard.
    const readerUpsert = (changes: string) => `
      INSERT INTO reader_counts AS c (status, frequency, topics, shard, n)
      SELECT status, frequency, ${TOPIC_SET}, (pg_backend_pid() % 16)::smallint, sum(delta)
      FROM (${changes}) ch
      GROUP BY 1, 2, 3 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (status, frequency, topics, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
      INSERT INTO reader_flow AS f (quarter, shard, signups, unsubscribes)
      SELECT quarter, (pg_backend_pid() % 16)::smallint, sum(signups), sum(unsubscribes)
      FROM (
        SELECT date_bin('15 minutes', created_at, timestamptz '2000-01-01 00:00Z') AS quarter, delta AS signups,
               0 AS unsubscribes
        FROM (${changes}) ch
        UNION ALL
        SELECT date_bin('15 minutes', unsubscribed_at, timestamptz '2000-01-01 00:00Z'), 0, delta
        FROM (${changes}) ch WHERE unsubscribed_at IS NOT NULL
      ) q
      GROUP BY quarter HAVING sum(signups) <> 0 OR sum(unsubscribes) <> 0 ORDER BY quarter
      ON CONFLICT (quarter, shard) DO UPDATE
        SET signups = f.signups + EXCLUDED.signups, unsubscribes = f.unsubscribes + EXCLUDED.unsubscribes;`;
    const cols = 'status, frequency, topics, created_at, unsubscribed_at';
    await queryRunner.query(`
            CREATE FUNCTION subscribers_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
              ${readerUpsert(`SELECT ${cols}, 1 AS delta FROM new_rows`)}
              RETURN NULL;
            END $fn$`);
    await queryRunner.query(`
            CREATE FUNCTION subscribers_count_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
              ${readerUpsert(`SELECT ${cols}, 1 AS delta FROM new_rows UNION ALL SELECT ${cols}, -1 FROM old_rows`)}
              RETURN NULL;
            END $fn$`);
    await queryRunner.query(`
            CREATE FUNCTION subscribers_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
              ${readerUpsert(`SELECT ${cols}, -1 AS delta FROM old_rows`)}
              RETURN NULL;
            END $fn$`);
    await queryRunner.query(`
            CREATE TRIGGER subscribers_count_inserted AFTER INSERT ON subscribers
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION subscribers_count_inserted()`);
    await queryRunner.query(`
            CREATE TRIGGER subscribers_count_updated AFTER UPDATE ON subscribers
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION subscribers_count_updated()`);
    await queryRunner.query(`
            CREATE TRIGGER subscribers_count_deleted AFTER DELETE ON subscribers
            REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION subscribers_count_deleted()`);

    // Backfill from what the tables hold now.
    await queryRunner.query(`
            INSERT INTO edition_counts (edition_id, queued, sending, sent, failed, bounced, skipped, last_sent_at,
                                        created_at)
            SELECT edition_id,
                   count(*) FILTER (WHERE status = 'queued'), count(*) FILTER (WHERE status = 'sending'),
                   count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed'),
                   count(*) FILTER (WHERE status = 'bounced'), count(*) FILTER (WHERE status = 'skipped'),
                   max(sent_at), min(created_at)
            FROM deliveries GROUP BY edition_id`);
    await queryRunner.query(`
            INSERT INTO reader_counts (status, frequency, topics, shard, n)
            SELECT status, frequency, ${TOPIC_SET}, 0, count(*) FROM subscribers GROUP BY 1, 2, 3`);
    await queryRunner.query(`
            INSERT INTO reader_flow (quarter, shard, signups, unsubscribes)
            SELECT quarter, 0, sum(signups), sum(unsubscribes) FROM (
              SELECT date_bin('15 minutes', created_at, timestamptz '2000-01-01 00:00Z') AS quarter, 1 AS signups,
                     0 AS unsubscribes FROM subscribers
              UNION ALL
              SELECT date_bin('15 minutes', unsubscribed_at, timestamptz '2000-01-01 00:00Z'), 0, 1
              FROM subscribers WHERE unsubscribed_at IS NOT NULL
            ) q GROUP BY quarter`);

    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(
      `CREATE INDEX "ix_subscribers_email_key_trgm" ON "subscribers" USING GIN ("email_key" gin_trgm_ops)`,
    );
    await queryRunner.query(`CREATE INDEX "ix_deliveries_subscriber" ON "deliveries" ("subscriber_id", "id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_deliveries_subscriber"`);
    await queryRunner.query(`DROP INDEX "public"."ix_subscribers_email_key_trgm"`);
    for (const table of ['deliveries', 'subscribers']) {
      for (const op of ['inserted', 'updated', 'deleted']) {
        await queryRunner.query(`DROP TRIGGER ${table}_count_${op} ON ${table}`);
        await queryRunner.query(`DROP FUNCTION ${table}_count_${op}()`);
      }
    }
    await queryRunner.query(`DROP TABLE "reader_flow"`);
    await queryRunner.query(`DROP TABLE "reader_counts"`);
    await queryRunner.query(`DROP TABLE "edition_counts"`);
  }
}
