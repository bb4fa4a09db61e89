import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The claim takes the oldest due rows of the editions being sent. ix_deliveries_pending ("id" over unfinished
 * rows) serves that only while every unfinished row belongs to an edition being sent: the pending rows of a
 * paused edition, or of an older one, sit in the same index walk and are filtered one by one (measured with
 * 1M queued rows of a paused edition ahead: 570-750 ms per claim of 200, against 0.4 ms without them).
 * Ordered by (edition_id, id), a claim of one edition (`edition_id = $1 … ORDER BY id LIMIT n`, or one such
 * subquery per edition under a LATERAL join) starts at that edition's first unfinished row and stops after n.
 */
export class DeliveryPendingByEditionIndex1795627793067 implements MigrationInterface {
  name = 'DeliveryPendingByEditionIndex1795627793067';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE INDEX "ix_deliveries_pending_edition" ON "deliveries" ("edition_id", "id") WHERE status IN ('queued', 'sending')
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_deliveries_pending_edition"`);
  }
}
