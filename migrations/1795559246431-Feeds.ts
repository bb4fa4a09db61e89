import { MigrationInterface, QueryRunner } from 'typeorm';

export class Feeds1795559246431 implements MigrationInterface {
  name = 'Feeds1795559246431';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "feeds" (
                "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                "url" text NOT NULL,
                "etag" text,
                "last_modified" text,
                "last_polled_at" TIMESTAMP WITH TIME ZONE,
                "last_success_at" TIMESTAMP WITH TIME ZONE,
                "last_status" text,
                "last_error" text,
                "items_seen" integer NOT NULL DEFAULT '0',
                "items_created" integer NOT NULL DEFAULT '0',
                "items_updated" integer NOT NULL DEFAULT '0',
                "items_skipped" integer NOT NULL DEFAULT '0',
                "consecutive_failures" integer NOT NULL DEFAULT '0',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_3dafbf766ecbb1eb2017732153f" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_feeds_url" ON "feeds" ("url")
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."uq_feeds_url"`);
    await queryRunner.query(`DROP TABLE "feeds"`);
  }
}
