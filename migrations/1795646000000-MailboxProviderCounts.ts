import { MigrationInterface, QueryRunner } from 'typeorm';

/** The big mailbox providers by address domain (deliverability/mailbox-providers.ts names them for editors). */
const DOMAINS: Record<string, string[]> = {
  gmail: ['gmail.com', 'googlemail.com'],
  yahoo: [
    'yahoo.com',
    'ymail.com',
    'rocketmail.com',
    'aol.com',
    'aim.com',
    'yahoo.co.uk',
    'yahoo.fr',
    'yahoo.de',
    'yahoo.es',
    'yahoo.it',
    'yahoo.ca',
    'yahoo.com.au',
    'yahoo.co.in',
    'yahoo.co.jp',
    'yahoo.com.br',
    'yahoo.com.mx',
    'aol.co.uk',
    'aol.fr',
    'aol.de',
  ],
  outlook: [
    'outlook.com',
    'hotmail.com',
    'live.com',
    'msn.com',
    'hotmail.co.uk',
    'hotmail.fr',
    'hotmail.de',
    'hotmail.it',
    'hotmail.es',
    'live.co.uk',
    'live.fr',
    'outlook.fr',
    'outlook.de',
    'outlook.sa',
    'outlook.com.br',
    'windowslive.com',
    'passport.com',
  ],
  icloud: ['icloud.com', 'me.com', 'mac.com'],
};

/**
 * Complaints and bounces by mailbox provider, kept as counts (issue 25): per edition (the automatic pause and the
 * edition's screen) and per day (30-day rates, Gmail's bulk-sender line of 5,000 a day). `provider_report_marks`
 * lets each delivery count once per kind however often a provider repeats its report; `edition_reputation`
 * remembers where an automatic pause stood, so an editor's resume is not undone by the same numbers.
 */
export class MailboxProviderCounts1795646000000 implements MigrationInterface {
  name = 'MailboxProviderCounts1795646000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "mailbox_domains" (
      "domain" text PRIMARY KEY,
      "provider" text NOT NULL,
      "source" text NOT NULL DEFAULT 'list'
    )`);
    const rows = Object.entries(DOMAINS).flatMap(([provider, domains]) => domains.map((d) => [d, provider]));
    await queryRunner.query(
      `INSERT INTO "mailbox_domains" ("domain", "provider") SELECT * FROM unnest($1::text[], $2::text[])`,
      [rows.map((r) => r[0]), rows.map((r) => r[1])],
    );
    await queryRunner.query(`CREATE TABLE "provider_counts" (
      "edition_id" bigint NOT NULL REFERENCES "editions" ("id") ON DELETE CASCADE,
      "provider" text NOT NULL,
      "delivered" integer NOT NULL DEFAULT 0,
      "complaints" integer NOT NULL DEFAULT 0,
      "hard_bounces" integer NOT NULL DEFAULT 0,
      "soft_bounces" integer NOT NULL DEFAULT 0,
      PRIMARY KEY ("edition_id", "provider")
    )`);
    await queryRunner.query(`CREATE TABLE "provider_days" (
      "day" date NOT NULL,
      "provider" text NOT NULL,
      "delivered" integer NOT NULL DEFAULT 0,
      "complaints" integer NOT NULL DEFAULT 0,
      "hard_bounces" integer NOT NULL DEFAULT 0,
      "soft_bounces" integer NOT NULL DEFAULT 0,
      PRIMARY KEY ("day", "provider")
    )`);
    await queryRunner.query(`CREATE TABLE "provider_report_marks" (
      "delivery_id" bigint NOT NULL REFERENCES "deliveries" ("id") ON DELETE CASCADE,
      "kind" text NOT NULL,
      PRIMARY KEY ("delivery_id", "kind")
    )`);
    await queryRunner.query(`CREATE TABLE "edition_reputation" (
      "edition_id" bigint PRIMARY KEY REFERENCES "editions" ("id") ON DELETE CASCADE,
      "events_at_pause" integer NOT NULL
    )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "edition_reputation"`);
    await queryRunner.query(`DROP TABLE "provider_report_marks"`);
    await queryRunner.query(`DROP TABLE "provider_days"`);
    await queryRunner.query(`DROP TABLE "provider_counts"`);
    await queryRunner.query(`DROP TABLE "mailbox_domains"`);
  }
}
