import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The newsletters an import subscribes its readers to (the Import screen's checkboxes). Empty, as for every
 * import made before: each reader gets their row's frequency digest and the breaking alerts.
 */
export class ImportNewsletters1795642000001 implements MigrationInterface {
  name = 'ImportNewsletters1795642000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "reader_imports" ADD "newsletters" text[] NOT NULL DEFAULT '{}'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "reader_imports" DROP COLUMN "newsletters"`);
  }
}
