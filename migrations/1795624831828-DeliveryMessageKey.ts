import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A random 128-bit key per delivery, drawn when the row is queued (the column default, so the set-based
 * INSERT … SELECT that queues an edition draws one per reader). The Message-ID is built from it: ids and edition
 * numbers repeat across installs (a reinstall, a restored database, staging beside production on one domain),
 * and receivers drop a repeated Message-ID as a duplicate. gen_random_uuid() is core since PostgreSQL 13.
 */
export class DeliveryMessageKey1795624831828 implements MigrationInterface {
  name = 'DeliveryMessageKey1795624831828';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "deliveries" ADD "message_key" uuid NOT NULL DEFAULT gen_random_uuid()
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "deliveries" DROP COLUMN "message_key"
        `);
  }
}
