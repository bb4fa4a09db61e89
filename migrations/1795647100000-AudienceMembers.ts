import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who gets an edition, as a function readers (subscribers/) own: the delivery ledger's INSERT … SELECT reads
 * `audience_members(newsletter, articles, direct_links)` with typed parameters instead of SQL text handed over
 * by another module. One row per active reader with an active subscription to the newsletter:
 * `(subscriber_id, segment_key)`. With `articles` null (a breaking alert) every reader gets `all`; otherwise a
 * reader without topics gets `all`, one with topics the ids of the articles sharing a topic with them, ascending
 * and joined by `,` (`all` when that is every article), or null when none does. With `direct_links`, readers
 * who opted out of click tracking get the same key with `-direct` after it.
 *
 * LANGUAGE sql, STABLE and a single SELECT, so the planner inlines it into the caller's statement: queuing a
 * million readers stays one set-based INSERT … SELECT, never a materialised function result.
 */
export class AudienceMembers1795647100000 implements MigrationInterface {
  name = 'AudienceMembers1795647100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION "audience_members"(p_newsletter integer, p_articles jsonb, p_direct_links boolean)
      RETURNS TABLE (subscriber_id bigint, segment_key text) LANGUAGE sql STABLE AS $$
        WITH edition_articles AS (
          SELECT (a->>'id')::bigint AS id, ARRAY(SELECT jsonb_array_elements_text(a->'topics')) AS topics
          FROM jsonb_array_elements(coalesce(p_articles, '[]'::jsonb)) AS a
        )
        SELECT member.subscriber_id,
               CASE
                 WHEN NOT p_direct_links OR member.segment_key IS NULL OR member.track_clicks THEN member.segment_key
                 ELSE member.segment_key || '-direct'
               END
        FROM (
          SELECT s.id AS subscriber_id,
                 CASE
                   WHEN p_articles IS NULL OR cardinality(s.topics) = 0 THEN 'all'
                   ELSE (
                     SELECT CASE
                              WHEN count(*) = 0 THEN NULL
                              WHEN count(*) = (SELECT count(*) FROM edition_articles) THEN 'all'
                              ELSE string_agg(ea.id::text, ',' ORDER BY ea.id)
                            END
                     FROM edition_articles ea
                     WHERE ea.topics && s.topics
                   )
                 END AS segment_key,
                 s.track_clicks
          FROM subscriptions sub JOIN subscribers s ON s.id = sub.subscriber_id
          WHERE sub.newsletter_id = p_newsletter AND sub.status = 'active' AND s.status = 'active'
        ) member
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION "audience_members"(integer, jsonb, boolean)`);
  }
}
