import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A transactional message may be stored as a template name and its per-reader values instead of its composed
 * subject, HTML and text: the signup's confirmation, whose ~13 KB of composed body made up most of the bytes of
 * the signup's statement (sent over the wire and TOASTed on every signup). The worker composes such a row when
 * it sends it. The values (the confirmation token) are cleared with the bodies once the message is accepted.
 */
export class TransactionalTemplates1795641000001 implements MigrationInterface {
  name = 'TransactionalTemplates1795641000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "transactional_messages" ADD "template" text, ADD "template_values" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "transactional_messages" DROP COLUMN "template_values", DROP COLUMN "template"`,
    );
  }
}
