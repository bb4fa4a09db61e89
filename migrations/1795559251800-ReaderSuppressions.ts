import { MigrationInterface, QueryRunner } from 'typeorm';

export class ReaderSuppressions1795559251800 implements MigrationInterface {
  name = 'ReaderSuppressions1795559251800';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "suppressions" (
                "email_hash" text NOT NULL,
                "reason" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_suppressions_email_hash" PRIMARY KEY ("email_hash")
            )
        `);
    // Confirmation looks a reader up by the hash of the token in the link.
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_subscribers_confirmation_token_hash" ON "subscribers" ("confirmation_token_hash")
            WHERE "confirmation_token_hash" IS NOT NULL
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_subscribers_confirmation_token_hash"`);
    await queryRunner.query(`DROP TABLE "suppressions"`);
  }
}
