import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Readers per newsletter and state, kept, not computed (issues 21 and 24): the dashboard lists each newsletter
 * with its active readers, the Newsletters screen shows who is active, still confirming or gone, and the next
 * edition's audience («سيصل إلى …») is a sum over this small table instead of a count over a newsletter's
 * subscriptions joined to their readers on every view.
 *
 * newsletter_reader_counts: subscriptions per (newsletter, reader's state, subscription's state, the reader's
 * set of topics), split over 16 shards picked by the writing connection (as reader_counts in KeptCounts) so that
 * concurrent sign-ups never wait for one another's row lock. The topic set (sorted, without repeats; `{}`: every
 * topic) lets the next digest's "readers who will receive something" be summed too: a reader receives an edition
 * when they follow every topic or one of the edition's topics.
 *
 * Kept by statement-level AFTER triggers with transition tables, in the statement that makes the change:
 * - on subscriptions (insert, state change, delete), each row counted under its reader's current state and topics;
 * - on subscribers (update), every subscription of a reader whose state or topics changed moves from the old key
 *   to the new one;
 * - a reader's erasure: a BEFORE DELETE row trigger uncounts their subscriptions while they are still there (the
 *   cascade that then deletes them finds no reader to count them under, so nothing is taken twice).
 * The nightly reconciliation (ReaderCountsReconciliation) recounts and logs any drift.
 */
const TOPIC_SET = (column: string) => `ARRAY(SELECT DISTINCT t FROM unnest(${column}) AS t ORDER BY t)`;

export class NewsletterReaderCounts1795647700000 implements MigrationInterface {
  name = 'NewsletterReaderCounts1795647700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // No writer may slip between the backfill and the triggers (readers of both tables go on).
    await queryRunner.query(`LOCK TABLE "subscribers", "subscriptions" IN SHARE ROW EXCLUSIVE MODE`);
    await queryRunner.query(`
      CREATE TABLE "newsletter_reader_counts" (
        "newsletter_id" integer NOT NULL,
        "reader_status" text NOT NULL,
        "status" text NOT NULL,
        "topics" text array NOT NULL,
        "shard" smallint NOT NULL,
        "n" bigint NOT NULL DEFAULT 0,
        CONSTRAINT "pk_newsletter_reader_counts" PRIMARY KEY ("newsletter_id", "reader_status", "status", "topics", "shard"),
        CONSTRAINT "fk_newsletter_reader_counts_newsletter" FOREIGN KEY ("newsletter_id") REFERENCES "newsletters"("id")
          ON DELETE CASCADE
      )`);

    // Signed deltas (newsletter_id, reader_status, status, topics, delta) into the writing connection's shard,
    // rows locked in key order so that two statements never deadlock.
    const upsert = (changes: string) => `
      INSERT INTO newsletter_reader_counts AS c (newsletter_id, reader_status, status, topics, shard, n)
      SELECT newsletter_id, reader_status, status, topics, (pg_backend_pid() % 16)::smallint, sum(delta)
        FROM (${changes}) ch
       GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3, 4
      ON CONFLICT (newsletter_id, reader_status, status, topics, shard) DO UPDATE SET n = c.n + EXCLUDED.n;`;
    const under = (rows: string, delta: number) => `
      SELECT r.newsletter_id, s.status AS reader_status, r.status, ${TOPIC_SET('s.topics')} AS topics, ${delta} AS delta
        FROM ${rows} r JOIN subscribers s ON s.id = r.subscriber_id`;
    await queryRunner.query(`
      CREATE FUNCTION newsletter_reader_counts_subscriptions() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${upsert(under('new_rows', 1))}
        ELSIF TG_OP = 'DELETE' THEN
          ${upsert(under('old_rows', -1))}
        ELSE
          ${upsert(`${under('new_rows', 1)} UNION ALL ${under('old_rows', -1)}`)}
        END IF;
        RETURN NULL;
      END $fn$`);
    await queryRunner.query(`
      CREATE TRIGGER newsletter_reader_counts_inserted AFTER INSERT ON subscriptions
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION newsletter_reader_counts_subscriptions()`);
    await queryRunner.query(`
      CREATE TRIGGER newsletter_reader_counts_updated AFTER UPDATE ON subscriptions
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION newsletter_reader_counts_subscriptions()`);
    await queryRunner.query(`
      CREATE TRIGGER newsletter_reader_counts_deleted AFTER DELETE ON subscriptions
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION newsletter_reader_counts_subscriptions()`);

    // A reader's state or topics changed: each of their subscriptions leaves the old key for the new one. Most
    // updates of readers (engagement, bounces counted) change neither, and the join finds no row.
    await queryRunner.query(`
      CREATE FUNCTION newsletter_reader_counts_readers() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        ${upsert(`
          SELECT sub.newsletter_id, x.reader_status, sub.status, x.topics, x.delta
            FROM (
              SELECT n.id, n.status AS reader_status, ${TOPIC_SET('n.topics')} AS topics, 1 AS delta
                FROM new_rows n JOIN old_rows o ON o.id = n.id
               WHERE n.status IS DISTINCT FROM o.status OR ${TOPIC_SET('n.topics')} IS DISTINCT FROM ${TOPIC_SET('o.topics')}
              UNION ALL
              SELECT o.id, o.status, ${TOPIC_SET('o.topics')}, -1
                FROM new_rows n JOIN old_rows o ON o.id = n.id
               WHERE n.status IS DISTINCT FROM o.status OR ${TOPIC_SET('n.topics')} IS DISTINCT FROM ${TOPIC_SET('o.topics')}
            ) x JOIN subscriptions sub ON sub.subscriber_id = x.id`)}
        RETURN NULL;
      END $fn$`);
    await queryRunner.query(`
      CREATE TRIGGER newsletter_reader_counts_readers AFTER UPDATE ON subscribers
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION newsletter_reader_counts_readers()`);
    await queryRunner.query(`
      CREATE FUNCTION newsletter_reader_counts_erased() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        ${upsert(`
          SELECT sub.newsletter_id, OLD.status AS reader_status, sub.status, ${TOPIC_SET('OLD.topics')} AS topics, -1 AS delta
            FROM subscriptions sub WHERE sub.subscriber_id = OLD.id`)}
        RETURN OLD;
      END $fn$`);
    await queryRunner.query(`
      CREATE TRIGGER newsletter_reader_counts_erased BEFORE DELETE ON subscribers
      FOR EACH ROW EXECUTE FUNCTION newsletter_reader_counts_erased()`);

    await queryRunner.query(`
      INSERT INTO newsletter_reader_counts (newsletter_id, reader_status, status, topics, shard, n)
      SELECT sub.newsletter_id, s.status, sub.status, ${TOPIC_SET('s.topics')}, 0, count(*)
        FROM subscriptions sub JOIN subscribers s ON s.id = sub.subscriber_id
       GROUP BY 1, 2, 3, 4`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER newsletter_reader_counts_erased ON subscribers`);
    await queryRunner.query(`DROP FUNCTION newsletter_reader_counts_erased()`);
    await queryRunner.query(`DROP TRIGGER newsletter_reader_counts_readers ON subscribers`);
    await queryRunner.query(`DROP FUNCTION newsletter_reader_counts_readers()`);
    for (const op of ['inserted', 'updated', 'deleted']) {
      await queryRunner.query(`DROP TRIGGER newsletter_reader_counts_${op} ON subscriptions`);
    }
    await queryRunner.query(`DROP FUNCTION newsletter_reader_counts_subscriptions()`);
    await queryRunner.query(`DROP TABLE "newsletter_reader_counts"`);
  }
}
