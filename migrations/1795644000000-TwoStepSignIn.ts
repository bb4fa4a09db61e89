import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two-step sign-in and device notices, all owned by auth/:
 * - `editor_totp`: an editor's authenticator-app secret (AES-GCM under a key derived from SECRET_KEY, so a copy
 *   of the database alone cannot mint codes), when it was confirmed, and the last time step accepted, so a
 *   code is refused once used even while it is still inside its 30-second step.
 * - `editor_recovery_codes`: ten one-time codes per editor, stored as HMAC-SHA-256 (see recovery-codes.ts).
 * - `editor_passkeys`: WebAuthn credentials (public key, signature counter, transports).
 * - `editor_devices`: the browsers (long-lived signed cookie) an editor has signed in from; a sign-in from an
 *   unknown one is audited and emailed.
 * - `newsroom_settings`: one row of newsroom-wide sign-in rules (require a second step).
 */
export class TwoStepSignIn1795644000000 implements MigrationInterface {
  name = 'TwoStepSignIn1795644000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "editor_totp" (
                "editor_id" uuid NOT NULL,
                "secret" text NOT NULL,
                "enabled_at" TIMESTAMP WITH TIME ZONE,
                "last_step" bigint,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "pk_editor_totp" PRIMARY KEY ("editor_id"),
                CONSTRAINT "fk_editor_totp_editor" FOREIGN KEY ("editor_id") REFERENCES "editors" ("id") ON DELETE CASCADE
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "editor_recovery_codes" (
                "editor_id" uuid NOT NULL,
                "code_hash" text NOT NULL,
                "used_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "pk_editor_recovery_codes" PRIMARY KEY ("editor_id", "code_hash"),
                CONSTRAINT "fk_editor_recovery_codes_editor" FOREIGN KEY ("editor_id") REFERENCES "editors" ("id") ON DELETE CASCADE
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "editor_passkeys" (
                "id" text NOT NULL,
                "editor_id" uuid NOT NULL,
                "public_key" bytea NOT NULL,
                "counter" bigint NOT NULL DEFAULT 0,
                "transports" text[] NOT NULL DEFAULT '{}',
                "name" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_used_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "pk_editor_passkeys" PRIMARY KEY ("id"),
                CONSTRAINT "fk_editor_passkeys_editor" FOREIGN KEY ("editor_id") REFERENCES "editors" ("id") ON DELETE CASCADE
            )
        `);
    await queryRunner.query(`CREATE INDEX "ix_editor_passkeys_editor" ON "editor_passkeys" ("editor_id")`);
    await queryRunner.query(`
            CREATE TABLE "editor_devices" (
                "editor_id" uuid NOT NULL,
                "device_id" text NOT NULL,
                "user_agent" text,
                "first_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "pk_editor_devices" PRIMARY KEY ("editor_id", "device_id"),
                CONSTRAINT "fk_editor_devices_editor" FOREIGN KEY ("editor_id") REFERENCES "editors" ("id") ON DELETE CASCADE
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "newsroom_settings" (
                "id" integer NOT NULL DEFAULT 1,
                "require_second_step" boolean NOT NULL DEFAULT false,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_by" text,
                CONSTRAINT "pk_newsroom_settings" PRIMARY KEY ("id"),
                CONSTRAINT "ck_newsroom_settings_single_row" CHECK (id = 1)
            )
        `);
    await queryRunner.query(`INSERT INTO "newsroom_settings" ("id") VALUES (1)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "newsroom_settings"`);
    await queryRunner.query(`DROP TABLE "editor_devices"`);
    await queryRunner.query(`DROP TABLE "editor_passkeys"`);
    await queryRunner.query(`DROP TABLE "editor_recovery_codes"`);
    await queryRunner.query(`DROP TABLE "editor_totp"`);
  }
}
