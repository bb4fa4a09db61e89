import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several newsletters (issue 21): `newsletters` (what a reader can subscribe to), `subscriptions` (reader ×
 * newsletter, with its own state and consent) and `editions.newsletter_id`. The reader row keeps the address's
 * own state (pending, active, bounced, complained) and the confirmation; a subscription only says whether the
 * reader wants that newsletter.
 *
 * Existing readers keep what they get today: `daily` and `weekly` are the two digests (schedule NULL: they follow
 * the digest settings and DIGEST_*_CRON as before), each reader's frequency becomes the matching subscription,
 * and every reader who is active (or still confirming) is subscribed to `breaking`, because alerts reach every
 * active reader today. Existing editions are attached to their newsletter.
 *
 * `newsletters.subscriber_count` (active subscriptions of active readers) is kept by triggers in the same
 * transaction as every change to a subscription or to a reader's status, with each day's joins and departures
 * in `newsletter_growth`, so screens never count rows.
 */
export class Newsletters1795642000000 implements MigrationInterface {
  name = 'Newsletters1795642000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "newsletters" (
        "id" integer GENERATED ALWAYS AS IDENTITY NOT NULL,
        "slug" text NOT NULL,
        "name" text NOT NULL,
        "description" text NOT NULL DEFAULT '',
        "kind" text NOT NULL,
        "period" text,
        "schedule_cron" text,
        "topics" text[] NOT NULL DEFAULT '{}',
        "max_articles" integer,
        "article_order" text,
        "sender_name" text,
        "show_on_form" boolean NOT NULL DEFAULT true,
        "default_checked" boolean NOT NULL DEFAULT false,
        "status" text NOT NULL DEFAULT 'active',
        "position" integer NOT NULL DEFAULT 100,
        "subscriber_count" integer NOT NULL DEFAULT 0,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_newsletters" PRIMARY KEY ("id"),
        CONSTRAINT "uq_newsletters_slug" UNIQUE ("slug"),
        CONSTRAINT "ck_newsletters_slug" CHECK ("slug" ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
        CONSTRAINT "ck_newsletters_kind" CHECK ("kind" IN ('digest', 'alerts')),
        CONSTRAINT "ck_newsletters_period" CHECK (
          ("kind" = 'digest' AND "period" IN ('daily', 'weekly')) OR ("kind" = 'alerts' AND "period" IS NULL
            AND "schedule_cron" IS NULL)),
        CONSTRAINT "ck_newsletters_order" CHECK ("article_order" IS NULL OR "article_order" IN ('newest', 'oldest')),
        CONSTRAINT "ck_newsletters_status" CHECK ("status" IN ('active', 'archived'))
      )`);
    await queryRunner.query(`
      INSERT INTO "newsletters" ("slug", "name", "description", "kind", "period", "show_on_form", "default_checked",
                                 "position")
      VALUES ('daily', 'النشرة اليومية', 'أهم أخبار اليوم في رسالة واحدة كل صباح.', 'digest', 'daily', true, true, 10),
             ('weekly', 'النشرة الأسبوعية', 'خلاصة الأسبوع وأكثر القصص قراءة، مرة في الأسبوع.', 'digest', 'weekly',
              true, false, 20),
             ('breaking', 'الأخبار العاجلة', 'تنبيه فوري بالخبر العاجل حين يقع.', 'alerts', NULL, true, true, 30)`);

    await queryRunner.query(`
      CREATE TABLE "subscriptions" (
        "subscriber_id" bigint NOT NULL,
        "newsletter_id" integer NOT NULL,
        "status" text NOT NULL DEFAULT 'active',
        "consent" jsonb,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "unsubscribed_at" TIMESTAMP WITH TIME ZONE,
        "unsubscribe_reason" text,
        CONSTRAINT "pk_subscriptions" PRIMARY KEY ("subscriber_id", "newsletter_id"),
        CONSTRAINT "ck_subscriptions_status" CHECK ("status" IN ('active', 'unsubscribed')),
        CONSTRAINT "fk_subscriptions_subscriber" FOREIGN KEY ("subscriber_id") REFERENCES "subscribers"("id")
          ON DELETE CASCADE,
        CONSTRAINT "fk_subscriptions_newsletter" FOREIGN KEY ("newsletter_id") REFERENCES "newsletters"("id")
      )`);
    // The audience of an edition walks one newsletter's active subscriptions.
    await queryRunner.query(
      `CREATE INDEX "ix_subscriptions_newsletter_active" ON "subscriptions" ("newsletter_id", "subscriber_id")
        WHERE "status" = 'active'`,
    );

    // Today's readers: frequency → digest, and alerts for everyone who gets mail (or will once confirmed).
    await queryRunner.query(`
      INSERT INTO "subscriptions" ("subscriber_id", "newsletter_id", "status", "consent", "created_at",
                                   "unsubscribed_at", "unsubscribe_reason")
      SELECT s."id", n."id",
             CASE WHEN s."status" = 'unsubscribed' THEN 'unsubscribed' ELSE 'active' END,
             s."consent", s."created_at", s."unsubscribed_at", s."unsubscribe_reason"
        FROM "subscribers" s JOIN "newsletters" n ON n."slug" = s."frequency"`);
    await queryRunner.query(`
      INSERT INTO "subscriptions" ("subscriber_id", "newsletter_id", "status", "consent", "created_at")
      SELECT s."id", n."id", 'active', s."consent", s."created_at"
        FROM "subscribers" s JOIN "newsletters" n ON n."slug" = 'breaking'
       WHERE s."status" IN ('active', 'pending')`);

    await queryRunner.query(`ALTER TABLE "editions" ADD "newsletter_id" integer`);
    await queryRunner.query(`
      ALTER TABLE "editions" ADD CONSTRAINT "fk_editions_newsletter" FOREIGN KEY ("newsletter_id")
        REFERENCES "newsletters"("id")`);
    await queryRunner.query(`
      UPDATE "editions" e SET "newsletter_id" = n."id" FROM "newsletters" n
       WHERE n."slug" = CASE WHEN e."kind" = 'breaking' THEN 'breaking' ELSE e."frequency" END`);
    await queryRunner.query(`CREATE INDEX "ix_editions_newsletter" ON "editions" ("newsletter_id", "window_to")`);

    // Kept counts. A subscription counts while it is active and its reader is active; every change of a count
    // is also added to the day's growth row (joined / left), so "growth over 30 days" sums at most 30 rows.
    await queryRunner.query(`
      CREATE TABLE "newsletter_growth" (
        "newsletter_id" integer NOT NULL,
        "day" date NOT NULL,
        "joined" integer NOT NULL DEFAULT 0,
        "left" integer NOT NULL DEFAULT 0,
        CONSTRAINT "pk_newsletter_growth" PRIMARY KEY ("newsletter_id", "day"),
        CONSTRAINT "fk_newsletter_growth_newsletter" FOREIGN KEY ("newsletter_id") REFERENCES "newsletters"("id")
          ON DELETE CASCADE
      )`);
    await queryRunner.query(`
      CREATE FUNCTION "newsletters_count_add"(newsletter integer, joined integer, gone integer) RETURNS void
      LANGUAGE sql AS $$
        UPDATE newsletters SET subscriber_count = subscriber_count + joined - gone WHERE id = newsletter;
        INSERT INTO newsletter_growth (newsletter_id, day, joined, "left")
        VALUES (newsletter, current_date, joined, gone)
        ON CONFLICT (newsletter_id, day) DO UPDATE
          SET joined = newsletter_growth.joined + EXCLUDED.joined, "left" = newsletter_growth."left" + EXCLUDED."left";
      $$`);
    // Statement-level with transition tables: an import or a migration subscribing 100,000 readers moves each
    // newsletter's count once, not once per row. Subscriptions change only their status (never their keys).
    await queryRunner.query(`
      CREATE FUNCTION "newsletters_count_subscriptions"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM newsletters_count_add(d.newsletter_id, d.n, 0) FROM (
            SELECT r.newsletter_id, count(*)::int AS n FROM new_rows r JOIN subscribers s ON s.id = r.subscriber_id
             WHERE r.status = 'active' AND s.status = 'active' GROUP BY r.newsletter_id) d;
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM newsletters_count_add(d.newsletter_id, 0, d.n) FROM (
            SELECT r.newsletter_id, count(*)::int AS n FROM old_rows r JOIN subscribers s ON s.id = r.subscriber_id
             WHERE r.status = 'active' AND s.status = 'active' GROUP BY r.newsletter_id) d;
        ELSE
          PERFORM newsletters_count_add(d.newsletter_id, d.joined, d.gone) FROM (
            SELECT n.newsletter_id,
                   (count(*) FILTER (WHERE n.status = 'active'))::int AS joined,
                   (count(*) FILTER (WHERE o.status = 'active'))::int AS gone
              FROM new_rows n
              JOIN old_rows o ON o.subscriber_id = n.subscriber_id AND o.newsletter_id = n.newsletter_id
              JOIN subscribers s ON s.id = n.subscriber_id
             WHERE s.status = 'active' AND n.status IS DISTINCT FROM o.status
             GROUP BY n.newsletter_id) d;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "tg_subscriptions_count_insert" AFTER INSERT ON "subscriptions"
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "newsletters_count_subscriptions"()`);
    await queryRunner.query(`
      CREATE TRIGGER "tg_subscriptions_count_update" AFTER UPDATE ON "subscriptions"
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION "newsletters_count_subscriptions"()`);
    await queryRunner.query(`
      CREATE TRIGGER "tg_subscriptions_count_delete" AFTER DELETE ON "subscriptions"
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "newsletters_count_subscriptions"()`);
    await queryRunner.query(`
      CREATE FUNCTION "newsletters_count_reader"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        delta integer;
      BEGIN
        IF TG_OP = 'DELETE' THEN
          delta := CASE WHEN OLD.status = 'active' THEN -1 ELSE 0 END;
        ELSE
          delta := (CASE WHEN NEW.status = 'active' THEN 1 ELSE 0 END) - (CASE WHEN OLD.status = 'active' THEN 1 ELSE 0 END);
        END IF;
        IF delta <> 0 THEN
          PERFORM newsletters_count_add(s.newsletter_id, greatest(delta, 0), greatest(-delta, 0))
             FROM subscriptions s WHERE s.subscriber_id = OLD.id AND s.status = 'active';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NULL END;
      END $$`);
    // Row level, and only when the status changes (rare, a reader at a time; engagement updates skip it).
    // BEFORE DELETE: the reader's subscriptions are still there to uncount (the cascade removes them after).
    await queryRunner.query(`
      CREATE TRIGGER "tg_subscribers_count_status" AFTER UPDATE OF "status" ON "subscribers"
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION "newsletters_count_reader"()`);
    await queryRunner.query(`
      CREATE TRIGGER "tg_subscribers_count_delete" BEFORE DELETE ON "subscribers"
        FOR EACH ROW WHEN (OLD.status = 'active') EXECUTE FUNCTION "newsletters_count_reader"()`);
    await queryRunner.query(`
      UPDATE "newsletters" n SET "subscriber_count" = (
        SELECT count(*) FROM "subscriptions" s JOIN "subscribers" r ON r."id" = s."subscriber_id"
         WHERE s."newsletter_id" = n."id" AND s."status" = 'active' AND r."status" = 'active')`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "tg_subscribers_count_delete" ON "subscribers"`);
    await queryRunner.query(`DROP TRIGGER "tg_subscribers_count_status" ON "subscribers"`);
    await queryRunner.query(`DROP FUNCTION "newsletters_count_reader"()`);
    await queryRunner.query(`DROP TABLE "subscriptions"`);
    await queryRunner.query(`DROP FUNCTION "newsletters_count_subscriptions"()`);
    await queryRunner.query(`DROP FUNCTION "newsletters_count_add"(integer, integer, integer)`);
    await queryRunner.query(`DROP TABLE "newsletter_growth"`);
    await queryRunner.query(`DROP INDEX "ix_editions_newsletter"`);
    await queryRunner.query(`ALTER TABLE "editions" DROP CONSTRAINT "fk_editions_newsletter"`);
    await queryRunner.query(`ALTER TABLE "editions" DROP COLUMN "newsletter_id"`);
    await queryRunner.query(`DROP TABLE "newsletters"`);
  }
}
