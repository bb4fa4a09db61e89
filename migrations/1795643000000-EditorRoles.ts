import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Roles for editors (issue 22): `editors.role` (one of the five in src/auth/permissions.ts) and `editors.grants`
 * (extra permissions an owner gave one editor; only `alert.send` for now). Every editor who existed before had
 * every power, so they all become owners; the column then loses its default, so nothing creates an owner by
 * forgetting to say which role.
 */
export class EditorRoles1795643000000 implements MigrationInterface {
  name = 'EditorRoles1795643000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "editors" ADD "role" text NOT NULL DEFAULT 'owner'`);
    await queryRunner.query(`ALTER TABLE "editors" ALTER COLUMN "role" DROP DEFAULT`);
    await queryRunner.query(
      `ALTER TABLE "editors" ADD CONSTRAINT "ck_editors_role" CHECK ("role" IN ('owner', 'chief', 'editor', 'writer', 'analyst'))`,
    );
    await queryRunner.query(`ALTER TABLE "editors" ADD "grants" text[] NOT NULL DEFAULT '{}'`);
    await queryRunner.query(
      `ALTER TABLE "editors" ADD CONSTRAINT "ck_editors_grants" CHECK ("grants" <@ ARRAY['alert.send']::text[])`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "editors" DROP COLUMN "grants"`);
    await queryRunner.query(`ALTER TABLE "editors" DROP COLUMN "role"`);
  }
}
