import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Editors sign in with their own accounts (the EDITOR_TOKEN stays for machines). Sessions live in PostgreSQL
 * (connect-pg-simple's table, under our name, created here rather than at run time), failed sign-ins are
 * counted in a table so throttling holds across processes, and every editor action lands in audit_log.
 */
export class EditorAccounts1795623028906 implements MigrationInterface {
  name = 'EditorAccounts1795623028906';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "editors" (
                "id" uuid NOT NULL DEFAULT gen_random_uuid(),
                "email" text NOT NULL,
                "name" text NOT NULL,
                "password_hash" text,
                "invite_token_hash" text,
                "invite_expires_at" TIMESTAMP WITH TIME ZONE,
                "invited_by" uuid,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_sign_in_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_editors" PRIMARY KEY ("id"),
                CONSTRAINT "FK_editors_invited_by" FOREIGN KEY ("invited_by") REFERENCES "editors" ("id") ON DELETE SET NULL,
                CONSTRAINT "ck_editors_email_lower" CHECK ("email" = lower("email"))
            )
        `);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_editors_email" ON "editors" ("email")`);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_editors_invite_token_hash" ON "editors" ("invite_token_hash")
            WHERE "invite_token_hash" IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE TABLE "editor_sessions" (
                "sid" varchar NOT NULL,
                "sess" json NOT NULL,
                "expire" TIMESTAMP(6) NOT NULL,
                CONSTRAINT "PK_editor_sessions" PRIMARY KEY ("sid")
            )
        `);
    await queryRunner.query(`CREATE INDEX "ix_editor_sessions_expire" ON "editor_sessions" ("expire")`);
    await queryRunner.query(`
            CREATE TABLE "sign_in_failures" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "email" text NOT NULL,
                "address" text NOT NULL,
                "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_sign_in_failures" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`CREATE INDEX "ix_sign_in_failures_email" ON "sign_in_failures" ("email", "at")`);
    await queryRunner.query(`CREATE INDEX "ix_sign_in_failures_address" ON "sign_in_failures" ("address", "at")`);
    await queryRunner.query(`
            CREATE TABLE "audit_log" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "editor_id" uuid,
                "actor" text NOT NULL,
                "action" text NOT NULL,
                "subject" text,
                "detail" jsonb,
                CONSTRAINT "PK_audit_log" PRIMARY KEY ("id"),
                CONSTRAINT "FK_audit_log_editor" FOREIGN KEY ("editor_id") REFERENCES "editors" ("id") ON DELETE SET NULL
            )
        `);
    await queryRunner.query(`CREATE INDEX "ix_audit_log_at" ON "audit_log" ("at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_log"`);
    await queryRunner.query(`DROP TABLE "sign_in_failures"`);
    await queryRunner.query(`DROP TABLE "editor_sessions"`);
    await queryRunner.query(`DROP TABLE "editors"`);
  }
}
