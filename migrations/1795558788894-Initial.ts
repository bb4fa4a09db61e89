import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795558788894 implements MigrationInterface {
  name = 'Initial1795558788894';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "subscribers" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "email" text NOT NULL,
                "email_key" text NOT NULL,
                "status" text NOT NULL DEFAULT 'pending',
                "frequency" text NOT NULL DEFAULT 'daily',
                "topics" text array NOT NULL DEFAULT '{}',
                "locale" text NOT NULL DEFAULT 'ar',
                "consent" jsonb,
                "confirmation_token_hash" text,
                "confirmation_expires_at" TIMESTAMP WITH TIME ZONE,
                "confirmation_sent_at" TIMESTAMP WITH TIME ZONE,
                "confirmed_at" TIMESTAMP WITH TIME ZONE,
                "unsubscribed_at" TIMESTAMP WITH TIME ZONE,
                "bounced_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_cbe0a7a9256c826f403c0236b67" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_subscribers_email_key" ON "subscribers" ("email_key")
        `);
    await queryRunner.query(`
            CREATE TABLE "editions" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "key" text NOT NULL,
                "frequency" text NOT NULL,
                "window_from" TIMESTAMP WITH TIME ZONE NOT NULL,
                "window_to" TIMESTAMP WITH TIME ZONE NOT NULL,
                "article_ids" bigint array NOT NULL DEFAULT '{}',
                "subject" text NOT NULL DEFAULT '',
                "preheader" text NOT NULL DEFAULT '',
                "status" text NOT NULL DEFAULT 'draft',
                "status_reason" text,
                "html" text,
                "text" text,
                "triggered_by" text NOT NULL DEFAULT 'schedule',
                "sending_started_at" TIMESTAMP WITH TIME ZONE,
                "sent_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_a04f035dd7a1c3f344481cb6a2e" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_editions_key" ON "editions" ("key")
        `);
    await queryRunner.query(`
            CREATE TABLE "edition_renders" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "edition_id" bigint NOT NULL,
                "segment_key" text NOT NULL,
                "article_ids" bigint array NOT NULL,
                "subject" text NOT NULL,
                "html" text NOT NULL,
                "text" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_3ac37f8a1a720c2b8e84808b8ef" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_edition_renders_segment" ON "edition_renders" ("edition_id", "segment_key")
        `);
    await queryRunner.query(`
            CREATE TABLE "deliveries" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "edition_id" bigint NOT NULL,
                "subscriber_id" bigint NOT NULL,
                "segment_key" text NOT NULL DEFAULT 'all',
                "status" text NOT NULL DEFAULT 'queued',
                "attempts" integer NOT NULL DEFAULT '0',
                "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "lease_expires_at" TIMESTAMP WITH TIME ZONE,
                "last_error" text,
                "message_id" text,
                "sent_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_a6ef225c5c5f0974e503bfb731f" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_deliveries_claim" ON "deliveries" ("edition_id", "status", "next_attempt_at")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_deliveries_edition_subscriber" ON "deliveries" ("edition_id", "subscriber_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "topics" (
                "key" text NOT NULL,
                "name" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_eaefb97e676f9b9ada0d218c791" PRIMARY KEY ("key")
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "articles" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "url" text NOT NULL,
                "guid" text,
                "title" text NOT NULL,
                "summary" text NOT NULL DEFAULT '',
                "body_html" text,
                "author" text,
                "image_url" text,
                "published_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "source_updated_at" TIMESTAMP WITH TIME ZONE,
                "topics" text array NOT NULL DEFAULT '{}',
                "source" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_0a6e2c450d83e0b6052c2793334" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_articles_url" ON "articles" ("url")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_articles_guid" ON "articles" ("guid")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_articles_published_at" ON "articles" ("published_at")
        `);
    // Topic matching for segments (articles.topics && subscribers.topics) uses a GIN index.
    await queryRunner.query(`
            CREATE INDEX "ix_articles_topics" ON "articles" USING GIN ("topics")
        `);
    await queryRunner.query(`
            ALTER TABLE "edition_renders"
            ADD CONSTRAINT "FK_4d4f1f41429e3402ff778b3f87d" FOREIGN KEY ("edition_id") REFERENCES "editions"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "deliveries"
            ADD CONSTRAINT "FK_5aeffea86282b52c5d0badfc98d" FOREIGN KEY ("edition_id") REFERENCES "editions"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "deliveries"
            ADD CONSTRAINT "FK_0ca631bd6b1da59ec77b159101f" FOREIGN KEY ("subscriber_id") REFERENCES "subscribers"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX IF EXISTS "public"."ix_articles_topics"
        `);
    await queryRunner.query(`
            ALTER TABLE "deliveries" DROP CONSTRAINT "FK_0ca631bd6b1da59ec77b159101f"
        `);
    await queryRunner.query(`
            ALTER TABLE "deliveries" DROP CONSTRAINT "FK_5aeffea86282b52c5d0badfc98d"
        `);
    await queryRunner.query(`
            ALTER TABLE "edition_renders" DROP CONSTRAINT "FK_4d4f1f41429e3402ff778b3f87d"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_articles_published_at"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_articles_guid"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_articles_url"
        `);
    await queryRunner.query(`
            DROP TABLE "articles"
        `);
    await queryRunner.query(`
            DROP TABLE "topics"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_deliveries_edition_subscriber"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_deliveries_claim"
        `);
    await queryRunner.query(`
            DROP TABLE "deliveries"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_edition_renders_segment"
        `);
    await queryRunner.query(`
            DROP TABLE "edition_renders"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_editions_key"
        `);
    await queryRunner.query(`
            DROP TABLE "editions"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_subscribers_email_key"
        `);
    await queryRunner.query(`
            DROP TABLE "subscribers"
        `);
  }
}
