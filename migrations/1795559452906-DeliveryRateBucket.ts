import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One token bucket row per limiter (today only `send`): SEND_RATE_PER_SECOND holds across every worker
 * process because they all draw tokens from this row, under its row lock.
 */
export class DeliveryRateBucket1795559452906 implements MigrationInterface {
  name = 'DeliveryRateBucket1795559452906';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "delivery_rate_buckets" (
                "name" text NOT NULL,
                "tokens" double precision NOT NULL,
                "refilled_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                CONSTRAINT "PK_delivery_rate_buckets" PRIMARY KEY ("name")
            )
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "delivery_rate_buckets"`);
  }
}
