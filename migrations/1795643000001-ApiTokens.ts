import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scoped machine tokens (issue 22): a CMS gets a token that can push articles and nothing else, unlike
 * EDITOR_TOKEN. Only the token's SHA-256 is stored; a revoked token keeps its row (who made it, when it was last
 * used) but opens nothing.
 */
export class ApiTokens1795643000001 implements MigrationInterface {
  name = 'ApiTokens1795643000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "api_tokens" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "name" text NOT NULL,
                "token_hash" text NOT NULL,
                "scopes" text[] NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_used_at" TIMESTAMP WITH TIME ZONE,
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "pk_api_tokens" PRIMARY KEY ("id"),
                CONSTRAINT "uq_api_tokens_token_hash" UNIQUE ("token_hash"),
                CONSTRAINT "ck_api_tokens_scopes" CHECK (cardinality("scopes") > 0 AND "scopes" <@ ARRAY['articles:write']::text[])
            )
        `);
    // One live token per name, so `token:create --name cms` twice is refused rather than leaving two.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_api_tokens_live_name" ON "api_tokens" ("name") WHERE "revoked_at" IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "api_tokens"`);
  }
}
