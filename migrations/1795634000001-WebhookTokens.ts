import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One-time tokens of signed provider webhooks (Mailgun's `signature.token`), kept until their signature's
 * timestamp is too old to be accepted anyway: a captured request replayed inside that window finds its token
 * here and is refused. Owned by delivery/ (late-reports/webhook-tokens.ts), which deletes expired rows.
 */
export class WebhookTokens1795634000001 implements MigrationInterface {
  name = 'WebhookTokens1795634000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "webhook_tokens" (
                "provider" text NOT NULL,
                "token" text NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "pk_webhook_tokens" PRIMARY KEY ("provider", "token")
            )
        `);
    await queryRunner.query(`CREATE INDEX "ix_webhook_tokens_expires_at" ON "webhook_tokens" ("expires_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_tokens"`);
  }
}
