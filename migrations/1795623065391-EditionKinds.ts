import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Breaking-news alerts are editions too (same ledger, same exactly-once key), of kind `breaking`. Such an
 * edition has no cadence, so its frequency is NULL rather than a made-up third value: every query that picks
 * digests by `frequency = $1` (windows, carried articles, catch-up) ignores alerts without being told, and the
 * check keeps the two columns from contradicting each other.
 */
export class EditionKinds1795623065391 implements MigrationInterface {
  name = 'EditionKinds1795623065391';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "editions" ADD "kind" text NOT NULL DEFAULT 'digest'
        `);
    await queryRunner.query(`
            ALTER TABLE "editions" ALTER COLUMN "frequency" DROP NOT NULL
        `);
    await queryRunner.query(`
            ALTER TABLE "editions" ADD CONSTRAINT "ck_editions_kind_frequency" CHECK (
                (kind = 'digest' AND frequency IS NOT NULL) OR (kind = 'breaking' AND frequency IS NULL)
            )
        `);
    // History pages filter by kind and walk newest first.
    await queryRunner.query(`
            CREATE INDEX "ix_editions_kind_id" ON "editions" ("kind", "id")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_editions_kind_id"`);
    await queryRunner.query(`ALTER TABLE "editions" DROP CONSTRAINT "ck_editions_kind_frequency"`);
    await queryRunner.query(`DELETE FROM "editions" WHERE "kind" = 'breaking'`);
    await queryRunner.query(`ALTER TABLE "editions" ALTER COLUMN "frequency" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "editions" DROP COLUMN "kind"`);
  }
}
