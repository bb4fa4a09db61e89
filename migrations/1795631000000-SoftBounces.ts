import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Soft bounces count toward SOFT_BOUNCE_LIMIT: how many in the current window, since when (the window starts
 * at the first one), and the Message-ID last counted so a provider's repeated report of one message counts once.
 */
export class SoftBounces1795631000000 implements MigrationInterface {
  name = 'SoftBounces1795631000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "subscribers" ADD "soft_bounces" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE "subscribers" ADD "soft_bounces_since" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "subscribers" ADD "last_soft_bounce_message_id" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "subscribers" DROP COLUMN "last_soft_bounce_message_id"`);
    await queryRunner.query(`ALTER TABLE "subscribers" DROP COLUMN "soft_bounces_since"`);
    await queryRunner.query(`ALTER TABLE "subscribers" DROP COLUMN "soft_bounces"`);
  }
}
