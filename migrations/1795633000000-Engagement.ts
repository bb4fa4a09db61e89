import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Engagement (src/engagement/): the tracked links of each edition, one click per (delivery, link), and opens
 * per delivery. No IP address or user agent is stored anywhere. Clicks and opens carry their edition and reader
 * (copied from the delivery when recorded) so an edition's stats and a week's most-read are aggregates over
 * one indexed range, never a join through the 100k-row ledger.
 * Readers can opt out of click tracking (subscribers.track_clicks, owned by subscribers/).
 */
export class Engagement1795633000000 implements MigrationInterface {
  name = 'Engagement1795633000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "subscribers" ADD "track_clicks" boolean NOT NULL DEFAULT true`);
    await queryRunner.query(`
            CREATE TABLE "edition_links" (
                "edition_id" bigint NOT NULL REFERENCES "editions"("id") ON DELETE CASCADE,
                "link_index" smallint NOT NULL,
                "article_id" bigint NOT NULL,
                "topics" text array NOT NULL DEFAULT '{}',
                "target_url" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "pk_edition_links" PRIMARY KEY ("edition_id", "link_index")
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "clicks" (
                "delivery_id" bigint NOT NULL REFERENCES "deliveries"("id") ON DELETE CASCADE,
                "link_index" smallint NOT NULL,
                "edition_id" bigint NOT NULL,
                "subscriber_id" bigint NOT NULL,
                "clicked_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "uq_clicks_delivery_link" PRIMARY KEY ("delivery_id", "link_index")
            )
        `);
    await queryRunner.query(`CREATE INDEX "ix_clicks_edition" ON "clicks" ("edition_id", "link_index", "delivery_id")`);
    await queryRunner.query(`CREATE INDEX "ix_clicks_clicked_at" ON "clicks" ("clicked_at")`);
    await queryRunner.query(`
            CREATE TABLE "opens" (
                "delivery_id" bigint NOT NULL REFERENCES "deliveries"("id") ON DELETE CASCADE,
                "edition_id" bigint NOT NULL,
                "subscriber_id" bigint NOT NULL,
                "opened_at" TIMESTAMP WITH TIME ZONE,
                "machine_opened_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "pk_opens" PRIMARY KEY ("delivery_id")
            )
        `);
    await queryRunner.query(`CREATE INDEX "ix_opens_edition" ON "opens" ("edition_id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "opens"`);
    await queryRunner.query(`DROP TABLE "clicks"`);
    await queryRunner.query(`DROP TABLE "edition_links"`);
    await queryRunner.query(`ALTER TABLE "subscribers" DROP COLUMN "track_clicks"`);
  }
}
