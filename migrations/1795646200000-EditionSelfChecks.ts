import { MigrationInterface, QueryRunner } from 'typeorm';

/** The self-check of each edition's first message (DKIM verified against DNS, aligned with From), once per edition. */
export class EditionSelfChecks1795646200000 implements MigrationInterface {
  name = 'EditionSelfChecks1795646200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "edition_self_checks" (
      "edition_id" bigint PRIMARY KEY REFERENCES "editions" ("id") ON DELETE CASCADE,
      "passed" boolean,
      "detail" text,
      "checked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
    )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "edition_self_checks"`);
  }
}
