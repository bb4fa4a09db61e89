import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The newsroom's readers, topics and feeds screens:
 * - `reader_imports`: one row per CSV import, updated per batch (counts, the last line committed, bad rows), so
 *   the screen can show progress and a restarted process can resume where the last committed batch ended;
 * - `topics.followable` / `topics.hidden`: which topics readers may pick on their preferences page;
 * - `feeds.added_by` / `feeds.removed_at`: feeds editors add on the screen (polled beside FEED_URLS) and feeds
 *   they removed (not polled even when FEED_URLS still lists them).
 */
export class NewsroomReaders1795623092780 implements MigrationInterface {
  name = 'NewsroomReaders1795623092780';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "reader_imports" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "status" text NOT NULL DEFAULT 'running',
                "file_name" text NOT NULL,
                "file_path" text,
                "frequency" text NOT NULL DEFAULT 'daily',
                "trust_consent" boolean NOT NULL DEFAULT false,
                "format" text,
                "rows_read" integer NOT NULL DEFAULT '0',
                "last_line" integer NOT NULL DEFAULT '0',
                "imported_pending" integer NOT NULL DEFAULT '0',
                "imported_active" integer NOT NULL DEFAULT '0',
                "skipped_existing" integer NOT NULL DEFAULT '0',
                "skipped_suppressed" integer NOT NULL DEFAULT '0',
                "bad_rows" integer NOT NULL DEFAULT '0',
                "confirmations_sent" integer NOT NULL DEFAULT '0',
                "confirmations_failed" integer NOT NULL DEFAULT '0',
                "errors" jsonb NOT NULL DEFAULT '[]',
                "failure" text,
                "started_by" text NOT NULL,
                "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "finished_at" TIMESTAMP WITH TIME ZONE,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_reader_imports_id" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`ALTER TABLE "topics" ADD "followable" boolean NOT NULL DEFAULT true`);
    await queryRunner.query(`ALTER TABLE "topics" ADD "hidden" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "feeds" ADD "added_by" text`);
    await queryRunner.query(`ALTER TABLE "feeds" ADD "removed_at" TIMESTAMP WITH TIME ZONE`);
    // Follower counts and topic merges look readers up by topic.
    await queryRunner.query(`CREATE INDEX "ix_subscribers_topics" ON "subscribers" USING GIN ("topics")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_subscribers_topics"`);
    await queryRunner.query(`ALTER TABLE "feeds" DROP COLUMN "removed_at"`);
    await queryRunner.query(`ALTER TABLE "feeds" DROP COLUMN "added_by"`);
    await queryRunner.query(`ALTER TABLE "topics" DROP COLUMN "hidden"`);
    await queryRunner.query(`ALTER TABLE "topics" DROP COLUMN "followable"`);
    await queryRunner.query(`DROP TABLE "reader_imports"`);
  }
}
