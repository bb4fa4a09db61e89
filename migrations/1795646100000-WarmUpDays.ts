import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The warm-up of a new domain (WARMUP_START_PER_DAY): how many held deliveries each day released. The first row
 * is day one of the warm-up; each later day's allowance grows by WARMUP_GROWTH_PERCENT.
 */
export class WarmUpDays1795646100000 implements MigrationInterface {
  name = 'WarmUpDays1795646100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "warmup_days" ("day" date PRIMARY KEY, "released" integer NOT NULL DEFAULT 0)`,
    );
    // Held rows (next_attempt_at = infinity) are found among the queued ones without reading the sent.
    await queryRunner.query(
      `CREATE INDEX "ix_deliveries_held" ON "deliveries" ("id") WHERE "status" = 'queued' AND "next_attempt_at" = 'infinity'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_deliveries_held"`);
    await queryRunner.query(`DROP TABLE "warmup_days"`);
  }
}
