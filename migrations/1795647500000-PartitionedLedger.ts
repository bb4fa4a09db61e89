import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A ledger with an end (issue 24): `deliveries` becomes a table partitioned by RANGE (edition_id), so the rows of
 * expired editions go with a DETACH and a DROP of their partition (milliseconds, no dead tuples, no vacuum)
 * instead of a DELETE of millions of rows.
 *
 * Why by edition and not by creation month: a partition then holds whole editions, so the unique key
 * (edition_id, subscriber_id) behind the audience's ON CONFLICT stays a real constraint (a partitioned table's
 * unique keys must hold the partition key), every edition-scoped query (claims, counts, the sending screen) reads
 * one partition, and "every edition of this partition is finished and expired" is a plain question; a month would
 * cut a digest sent across midnight of the 1st in two and keep the unique key only per month.
 *
 * Layout: partitions of 32 consecutive edition ids, `deliveries_editions_<first>_<last>`, created ahead by their
 * owner (LedgerPartitions, before an audience is queued, and nightly), and a DEFAULT partition that catches the
 * rows of any edition whose partition does not exist yet, so inserting an edition's rows never fails.
 *
 * What changes with it:
 * - the primary key is (id, edition_id) (ids still come from one identity sequence, so id alone stays unique);
 * - clicks and opens reference a delivery by (delivery_id, edition_id), columns they already had;
 *   provider_report_marks gains edition_id, filled from the delivery by a BEFORE INSERT trigger so its writers
 *   need not change;
 * - the kept-count triggers (statement-level, with transition tables) stay on the parent: PostgreSQL fires them
 *   for statements on the parent and their transition tables hold the rows of every partition touched (a
 *   reader's erasure cascades from subscribers into the parent, and the trigger sees those rows too). Dropping a
 *   partition fires no DELETE trigger, so edition_counts, clicks per link and engagement stay as they were.
 *
 * Indexes, triggers and foreign keys of the old table are carried over from the catalog as they are, so a column
 * or an index another migration added before this one comes along. Down restores a plain table.
 */
const PARTITION_EDITIONS = 32;
const REFERENCING = ['clicks', 'opens', 'provider_report_marks'] as const;

interface Carried {
  indexes: string[];
  triggers: string[];
  foreignKeys: Array<{ name: string; def: string }>;
  primaryKey: string;
}

async function carried(queryRunner: QueryRunner): Promise<Carried> {
  const indexes: Array<{ def: string }> = await queryRunner.query(
    `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
     WHERE i.indrelid = 'public.deliveries'::regclass AND NOT i.indisprimary ORDER BY i.indexrelid`,
  );
  const triggers: Array<{ def: string }> = await queryRunner.query(
    `SELECT pg_get_triggerdef(t.oid) AS def FROM pg_trigger t
     WHERE t.tgrelid = 'public.deliveries'::regclass AND NOT t.tgisinternal ORDER BY t.tgname`,
  );
  const foreignKeys: Array<{ name: string; def: string }> = await queryRunner.query(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE conrelid = 'public.deliveries'::regclass AND contype = 'f' AND conparentid = 0 ORDER BY conname`,
  );
  const [pk]: Array<{ name: string }> = await queryRunner.query(
    `SELECT conname AS name FROM pg_constraint WHERE conrelid = 'public.deliveries'::regclass AND contype = 'p'`,
  );
  return {
    // A partitioned parent's index reads "ON ONLY public.deliveries"; the same definition on a plain table.
    indexes: indexes.map((r) => r.def.replace(' ON ONLY public.deliveries ', ' ON public.deliveries ')),
    triggers: triggers.map((r) => r.def),
    foreignKeys,
    primaryKey: pk.name,
  };
}

/** Recreates on the new "deliveries" what the old one had. */
async function restore(queryRunner: QueryRunner, what: Carried, primaryKey: string): Promise<void> {
  await queryRunner.query(`ALTER TABLE "deliveries" ADD CONSTRAINT "${what.primaryKey}" PRIMARY KEY (${primaryKey})`);
  for (const def of what.indexes) {
    await queryRunner.query(def);
  }
  for (const fk of what.foreignKeys) {
    await queryRunner.query(`ALTER TABLE "deliveries" ADD CONSTRAINT "${fk.name}" ${fk.def}`);
  }
  for (const def of what.triggers) {
    await queryRunner.query(def);
  }
}

/**
 * Builds `next` (partitioned or plain) LIKE deliveries, copies every row with its id, drops the old table and puts
 * `next` in its place with the old one's sequence position.
 */
async function swap(queryRunner: QueryRunner, createNext: string, afterCreate: () => Promise<void>): Promise<void> {
  await queryRunner.query(createNext);
  await afterCreate();
  await queryRunner.query(`INSERT INTO "deliveries_next" OVERRIDING SYSTEM VALUE SELECT * FROM "deliveries"`);
  const [seq]: Array<{ last_value: string; is_called: boolean }> = await queryRunner.query(
    `SELECT last_value::text, is_called FROM deliveries_id_seq`,
  );
  await queryRunner.query(`DROP TABLE "deliveries"`);
  await queryRunner.query(`ALTER TABLE "deliveries_next" RENAME TO "deliveries"`);
  await queryRunner.query(`ALTER SEQUENCE "deliveries_next_id_seq" RENAME TO "deliveries_id_seq"`);
  await queryRunner.query(`SELECT setval('deliveries_id_seq', $1, $2)`, [seq.last_value, seq.is_called]);
}

const LIKE = `(LIKE "deliveries" INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE
               INCLUDING COMMENTS)`;

export class PartitionedLedger1795647500000 implements MigrationInterface {
  name = 'PartitionedLedger1795647500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`LOCK TABLE "deliveries", ${REFERENCING.map((t) => `"${t}"`).join(', ')}
                             IN ACCESS EXCLUSIVE MODE`);
    const what = await carried(queryRunner);

    // Marks name their delivery's edition too (the key the partitioned ledger can be referenced by).
    await queryRunner.query(`ALTER TABLE "provider_report_marks" ADD "edition_id" bigint`);
    await queryRunner.query(`UPDATE "provider_report_marks" m SET "edition_id" = d."edition_id"
                             FROM "deliveries" d WHERE d."id" = m."delivery_id"`);
    await queryRunner.query(`ALTER TABLE "provider_report_marks" ALTER "edition_id" SET NOT NULL`);
    await queryRunner.query(`
            CREATE FUNCTION provider_report_marks_edition() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
              IF NEW.edition_id IS NULL THEN
                SELECT d.edition_id INTO NEW.edition_id FROM deliveries d WHERE d.id = NEW.delivery_id;
              END IF;
              RETURN NEW;
            END $fn$`);
    await queryRunner.query(`
            CREATE TRIGGER provider_report_marks_edition BEFORE INSERT ON provider_report_marks
            FOR EACH ROW EXECUTE FUNCTION provider_report_marks_edition()`);
    for (const table of REFERENCING) {
      await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${table}_delivery_id_fkey"`);
    }

    await swap(queryRunner, `CREATE TABLE "deliveries_next" ${LIKE} PARTITION BY RANGE ("edition_id")`, async () => {
      // A partition for each block of editions that has rows, the newest edition's block and the one after it.
      const blocks: Array<{ block: string }> = await queryRunner.query(
        `SELECT DISTINCT edition_id / $1 AS block FROM deliveries
         UNION SELECT newest / $1 + k FROM (SELECT coalesce(max(id), 0) AS newest FROM editions) e,
                                          (VALUES (0), (1)) AS ahead(k)
         ORDER BY 1`,
        [PARTITION_EDITIONS],
      );
      for (const { block } of blocks) {
        const first = Number(block) * PARTITION_EDITIONS;
        const last = first + PARTITION_EDITIONS - 1;
        await queryRunner.query(
          `CREATE TABLE "deliveries_editions_${first}_${last}" PARTITION OF "deliveries_next"
           FOR VALUES FROM (${first}) TO (${last + 1})`,
        );
      }
      await queryRunner.query(`CREATE TABLE "deliveries_default" PARTITION OF "deliveries_next" DEFAULT`);
    });
    await restore(queryRunner, what, `"id", "edition_id"`);

    for (const table of REFERENCING) {
      await queryRunner.query(`
            ALTER TABLE "${table}" ADD CONSTRAINT "${table}_delivery_id_fkey" FOREIGN KEY ("delivery_id", "edition_id")
            REFERENCES "deliveries" ("id", "edition_id") ON DELETE CASCADE`);
    }
    await queryRunner.query(`ANALYZE "deliveries"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`LOCK TABLE "deliveries", ${REFERENCING.map((t) => `"${t}"`).join(', ')}
                             IN ACCESS EXCLUSIVE MODE`);
    const what = await carried(queryRunner);
    for (const table of REFERENCING) {
      await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${table}_delivery_id_fkey"`);
    }
    await swap(queryRunner, `CREATE TABLE "deliveries_next" ${LIKE}`, async () => {});
    await restore(queryRunner, what, `"id"`);
    for (const table of REFERENCING) {
      await queryRunner.query(`
            ALTER TABLE "${table}" ADD CONSTRAINT "${table}_delivery_id_fkey" FOREIGN KEY ("delivery_id")
            REFERENCES "deliveries" ("id") ON DELETE CASCADE`);
    }
    await queryRunner.query(`DROP TRIGGER provider_report_marks_edition ON provider_report_marks`);
    await queryRunner.query(`DROP FUNCTION provider_report_marks_edition()`);
    await queryRunner.query(`ALTER TABLE "provider_report_marks" DROP COLUMN "edition_id"`);
    await queryRunner.query(`ANALYZE "deliveries"`);
  }
}
