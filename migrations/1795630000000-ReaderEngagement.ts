import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a reader last showed they read us (confirmation, a click, the sunset email's keep link), and why a
 * reader left (`reader` when they unsubscribed themselves, `inactive` when the sunset rule did it). Active
 * readers start from their confirmation (or creation) so the sunset rule never fires on day one of an upgrade.
 */
export class ReaderEngagement1795630000000 implements MigrationInterface {
  name = 'ReaderEngagement1795630000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "subscribers" ADD "last_engaged_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "subscribers" ADD "unsubscribe_reason" text`);
    await queryRunner.query(
      `UPDATE "subscribers" SET "last_engaged_at" = coalesce("confirmed_at", "created_at") WHERE "status" = 'active'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_subscribers_active_engagement" ON "subscribers" ("last_engaged_at") WHERE "status" = 'active'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_subscribers_active_engagement"`);
    await queryRunner.query(`ALTER TABLE "subscribers" DROP COLUMN "unsubscribe_reason"`);
    await queryRunner.query(`ALTER TABLE "subscribers" DROP COLUMN "last_engaged_at"`);
  }
}
