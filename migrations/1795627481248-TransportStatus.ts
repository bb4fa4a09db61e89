import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether the mail server can be reached, shared by every process: a worker that cannot connect records the
 * outage here (since when, when to try next, with backoff), every worker pauses sending until then, and web
 * processes show editors "SMTP unreachable since …". One row per transport (today only `smtp`).
 */
export class TransportStatus1795627481248 implements MigrationInterface {
  name = 'TransportStatus1795627481248';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "transport_status" (
                "name" text NOT NULL,
                "reachable" boolean NOT NULL DEFAULT true,
                "unreachable_since" TIMESTAMP WITH TIME ZONE,
                "next_try_at" TIMESTAMP WITH TIME ZONE,
                "failures" integer NOT NULL DEFAULT 0,
                "last_error" text,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(),
                CONSTRAINT "PK_transport_status" PRIMARY KEY ("name")
            )
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "transport_status"`);
  }
}
