import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The newsroom's "Next digest" and "Settings" screens:
 * - `edition_plans`: what an editor decided for the next edition of a frequency (dropped, ordered, pinned lead,
 *   subject, preheader, note). Consumed (deleted) when that edition is created.
 * - `digest_settings`: one row holding the schedules, articles per digest and order editors saved; until the
 *   row exists the environment variables apply.
 * - `editions.scheduled_for`: when an edition in status `scheduled` goes out; `editions.editor_note`: the
 *   editor's note shown above the articles.
 */
export class NextEditionPlanAndDigestSettings1795623064221 implements MigrationInterface {
  name = 'NextEditionPlanAndDigestSettings1795623064221';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "edition_plans" (
                "frequency" text NOT NULL,
                "excluded_article_ids" bigint array NOT NULL DEFAULT '{}',
                "ordered_article_ids" bigint array NOT NULL DEFAULT '{}',
                "lead_article_id" bigint,
                "subject" text,
                "preheader" text,
                "editor_note" text,
                "updated_by" text,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "pk_edition_plans" PRIMARY KEY ("frequency"),
                CONSTRAINT "ck_edition_plans_frequency" CHECK (frequency IN ('daily', 'weekly'))
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "digest_settings" (
                "id" smallint NOT NULL DEFAULT 1,
                "daily_time" text NOT NULL,
                "daily_days" smallint array NOT NULL,
                "weekly_time" text NOT NULL,
                "weekly_day" smallint NOT NULL,
                "max_articles" integer NOT NULL,
                "article_order" text NOT NULL,
                "updated_by" text,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "pk_digest_settings" PRIMARY KEY ("id"),
                CONSTRAINT "ck_digest_settings_single_row" CHECK (id = 1),
                CONSTRAINT "ck_digest_settings_order" CHECK (article_order IN ('newest', 'oldest'))
            )
        `);
    await queryRunner.query(`
            ALTER TABLE "editions" ADD "scheduled_for" TIMESTAMP WITH TIME ZONE
        `);
    await queryRunner.query(`
            ALTER TABLE "editions" ADD "editor_note" text
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_editions_scheduled_due" ON "editions" ("scheduled_for") WHERE status = 'scheduled'
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_editions_scheduled_due"`);
    await queryRunner.query(`ALTER TABLE "editions" DROP COLUMN "editor_note"`);
    await queryRunner.query(`ALTER TABLE "editions" DROP COLUMN "scheduled_for"`);
    await queryRunner.query(`DROP TABLE "digest_settings"`);
    await queryRunner.query(`DROP TABLE "edition_plans"`);
  }
}
