import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How often each spelling of a topic was written (`{"إيران": 3, "ايران": 1}`), so its display name can be the
 * most common clean spelling rather than the first one seen. Existing names count once.
 */
export class TopicSpellings1795623550096 implements MigrationInterface {
  name = 'TopicSpellings1795623550096';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "topics" ADD "spellings" jsonb NOT NULL DEFAULT '{}'
        `);
    await queryRunner.query(`
            UPDATE "topics" SET "spellings" = jsonb_build_object("name", 1)
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "topics" DROP COLUMN "spellings"
        `);
  }
}
