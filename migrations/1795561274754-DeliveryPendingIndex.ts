import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workers claim `ORDER BY id LIMIT n` among queued/sending rows. Once a ledger holds millions of sent rows, a
 * partial index over the unfinished ones keeps that claim a short index walk instead of a scan past them.
 */
export class DeliveryPendingIndex1795561274754 implements MigrationInterface {
  name = 'DeliveryPendingIndex1795561274754';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE INDEX "ix_deliveries_pending" ON "deliveries" ("id") WHERE status IN ('queued', 'sending')
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_deliveries_pending"`);
  }
}
