import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { Audience } from '../delivery/delivery-ports';
import { NewsletterReaderCounts } from './newsletter-reader-counts';

/** An article of an edition, as the audience query needs it. */
export interface AudienceArticle {
  id: string;
  topics: string[];
}

/**
 * Who gets a digest edition, decided here because readers own it: every active reader with an active
 * subscription to the edition's newsletter. Each reader's segment: readers without topics get `all`; readers with topics get the ids of the
 * edition's articles that share a topic with them, ascending and joined by `,` (`all` when that is every
 * article), or null when none does. Readers who opted out of click tracking get the same key with `-direct`
 * after it (one more segment, compiled once, with direct links), unless CLICK_TRACKING=off. Returned as SQL for the delivery ledger's INSERT … SELECT, so an audience
 * of any size is queued in one statement and never loaded into memory.
 */
@Injectable()
export class AudienceRepository {
  constructor(
    private readonly config: AppConfig,
    private readonly counts: NewsletterReaderCounts,
  ) {}

  /**
   * How many readers forEdition would return (active) and how many of them would receive something (receiving),
   * from the kept readers per newsletter, state and topic set (NewsletterReaderCounts): a sum over a few hundred
   * kept rows whatever the newsletter's size, never a count of its subscriptions.
   */
  sizeOf(newsletterId: number, articles: AudienceArticle[]): Promise<{ active: number; receiving: number }> {
    return this.counts.audience(
      newsletterId,
      articles.flatMap((a) => a.topics),
    );
  }

  forEdition(newsletterId: number, articles: AudienceArticle[]): Audience {
    return {
      sql: `
        SELECT subscriber_id, ${this.segmentWithOptOut('segment_key')} AS segment_key FROM (
        WITH edition_articles AS (
          SELECT (a->>'id')::bigint AS id, ARRAY(SELECT jsonb_array_elements_text(a->'topics')) AS topics
          FROM jsonb_array_elements($2::jsonb) AS a
        )
        SELECT s.id AS subscriber_id,
               CASE
                 WHEN cardinality(s.topics) = 0 THEN 'all'
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
        WHERE sub.newsletter_id = $1 AND sub.status = 'active' AND s.status = 'active') audience`,
      params: [newsletterId, JSON.stringify(articles.map((a) => ({ id: a.id, topics: a.topics })))],
    };
  }

  /**
   * Every active reader subscribed to an alerts newsletter, each getting the whole edition (`all`): the audience
   * of a breaking alert (readers' topics do not filter alerts; an alerts newsletter's own topics do).
   */
  forAlert(newsletterId: number): Audience {
    return {
      sql: `SELECT s.id AS subscriber_id, ${this.segmentWithOptOut("'all'", 's.track_clicks')} AS segment_key
              FROM subscriptions sub JOIN subscribers s ON s.id = sub.subscriber_id
             WHERE sub.newsletter_id = $1 AND sub.status = 'active' AND s.status = 'active'`,
      params: [newsletterId],
    };
  }

  private segmentWithOptOut(key: string, trackClicks = 'track_clicks'): string {
    if (this.config.env.CLICK_TRACKING === 'off') {
      return key;
    }
    return `CASE WHEN ${key} IS NULL OR ${trackClicks} THEN ${key} ELSE ${key} || '-direct' END`;
  }
}
