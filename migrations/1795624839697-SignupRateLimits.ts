import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signup limits counted in PostgreSQL, so they hold across every web process: one counter per (key,
 * window). Keys are `client:<address>` (per-minute windows) and `target:<sha256 of the address>` (per-hour
 * windows); old windows are pruned by the app.
 */
export class SignupRateLimits1795624839697 implements MigrationInterface {
  name = 'SignupRateLimits1795624839697';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "signup_rate_limits" (
                "key" text NOT NULL,
                "window_start" TIMESTAMP WITH TIME ZONE NOT NULL,
                "hits" integer NOT NULL,
                CONSTRAINT "PK_signup_rate_limits" PRIMARY KEY ("key", "window_start")
            )
        `);
    await queryRunner.query(
      `CREATE INDEX "IDX_signup_rate_limits_window_start" ON "signup_rate_limits" ("window_start")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "signup_rate_limits"`);
  }
}
