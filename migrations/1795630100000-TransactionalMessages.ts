import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transactional outbox: every email that is not a digest edition (confirmation, welcome, reminder,
 * sunset, editor invitations, test sends) is a row here, written in the same transaction as the change that
 * causes it, and sent by the delivery workers (claims, leases, retries) like ledger rows. A row is a whole
 * message (subject, html, text) composed at enqueue time; the bodies are cleared once sent (they carry
 * tokens). `dedupe_key` makes "once" hold where an email must go once (welcome:<reader>, reminder:<reader>).
 * `skipped` rows with no recipient are the no-op twins signups write when no email is due, so every signup
 * does the same work; they are pruned with old sent rows.
 */
export class TransactionalMessages1795630100000 implements MigrationInterface {
  name = 'TransactionalMessages1795630100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "transactional_messages" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "kind" text NOT NULL,
                "recipient" text,
                "subscriber_id" bigint,
                "status" text NOT NULL DEFAULT 'queued',
                "attempts" integer NOT NULL DEFAULT 0,
                "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "lease_expires_at" TIMESTAMP WITH TIME ZONE,
                "last_error" text,
                "message_key" uuid NOT NULL DEFAULT gen_random_uuid(),
                "message_id" text,
                "dedupe_key" text,
                "subject" text,
                "html" text,
                "text" text,
                "headers" jsonb,
                "sent_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                CONSTRAINT "PK_transactional_messages" PRIMARY KEY ("id"),
                CONSTRAINT "CHK_transactional_messages_status"
                  CHECK ("status" IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'skipped')),
                CONSTRAINT "CHK_transactional_messages_recipient" CHECK ("recipient" IS NOT NULL OR "status" = 'skipped'),
                CONSTRAINT "FK_transactional_messages_subscriber" FOREIGN KEY ("subscriber_id")
                  REFERENCES "subscribers"("id") ON DELETE CASCADE
            )
        `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_transactional_messages_dedupe" ON "transactional_messages" ("dedupe_key")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_transactional_messages_pending" ON "transactional_messages" ("id") WHERE "status" IN ('queued', 'sending')`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_transactional_messages_subscriber" ON "transactional_messages" ("subscriber_id", "kind") WHERE "subscriber_id" IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "transactional_messages"`);
  }
}
