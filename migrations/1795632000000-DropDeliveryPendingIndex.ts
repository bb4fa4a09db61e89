import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The claim now walks ix_deliveries_pending_edition ("edition_id", "id") once per sending edition, so
 * ix_deliveries_pending ("id" over unfinished rows) serves no query any more. Kept, it cost a sixth index
 * entry on every claim and write-back (status changes are never HOT updates), and with a single edition in
 * the table the planner preferred it for the claim, filtering other editions' unfinished rows one by one as
 * soon as there were some.
 */
export class DropDeliveryPendingIndex1795632000000 implements MigrationInterface {
  name = 'DropDeliveryPendingIndex1795632000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_deliveries_pending"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE INDEX "ix_deliveries_pending" ON "deliveries" ("id") WHERE status IN ('queued', 'sending')
        `);
  }
}
