import { MigrationInterface, QueryRunner } from 'typeorm';

/** Articles an edition left out because DIGEST_MAX_ARTICLES was reached, so editors can see them. */
export class EditionLeftOutArticles1795559436356 implements MigrationInterface {
  name = 'EditionLeftOutArticles1795559436356';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "editions" ADD "left_out_article_ids" bigint array NOT NULL DEFAULT '{}'
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "editions" DROP COLUMN "left_out_article_ids"
        `);
  }
}
