import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** byTopic keeps its result when computing it took longer than this. */
const TOPIC_SNAPSHOT_SLOW_MS = 50;
/** A kept byTopic result is recomputed in the background once its window moved this far… */
const TOPIC_SNAPSHOT_REFRESH_MS = 60_000;
/** …and no longer served once it moved this far. */
const TOPIC_SNAPSHOT_MAX_AGE_MS = 3600_000;

/** Hours of the clicks-over-time series, from the start of sending. */
export const STATS_HOURS = 48;

export interface LinkClicks {
  linkIndex: number;
  articleId: string;
  /** Readers who followed this link (each counted once). */
  clicks: number;
  /** 1 = most clicked; equal counts share a rank. */
  rank: number;
}

export interface EditionEngagement {
  delivered: number;
  uniqueClickers: number;
  /** uniqueClickers / delivered, 0…1 (0 when nothing was delivered). */
  clickRate: number;
  /** Clicks in each hour after `since` (STATS_HOURS entries); empty when the edition never started sending. */
  clicksByHour: number[];
  links: LinkClicks[];
  /** Present when OPEN_TRACKING is on: readers' opens and machine-only fetches, never mixed. */
  opens?: { readers: number; machineOnly: number; rate: number };
}

export interface TopicClicks {
  topic: string;
  clicks: number;
  readers: number;
}

/**
 * Engagement aggregates. An edition's figures are kept, not computed (edition_engagement, edition_links.clicks,
 * edition_click_hours, edition_counts: primary-key reads whatever the edition's size); the topic and article
 * figures across editions are computed over indexed click rows (clicks by time, by edition).
 */
@Injectable()
export class EngagementStats {
  /** The last slow byTopic result (see byTopic). */
  private topicSnapshot?: { since: Date; limit: number; rows: TopicClicks[] };
  private topicRefresh?: Promise<unknown>;

  constructor(private readonly dataSource: DataSource) {}

  async forEdition(editionId: string, since: Date | null, withOpens: boolean): Promise<EditionEngagement> {
    const [[delivery], [clickers], links, hours, opens] = await Promise.all([
      this.dataSource.query(
        // The ledger's kept count (edition_counts), not a count over the edition's rows.
        `SELECT coalesce((SELECT sent::int FROM edition_counts WHERE edition_id = $1), 0) AS delivered`,
        [editionId],
      ) as Promise<Array<{ delivered: number }>>,
      // Kept by the clicks and opens triggers (migration KeptClicks): edition_engagement, edition_links.clicks,
      // edition_click_hours. They outlive the per-reader rows (DELIVERY_RETENTION_DAYS).
      this.dataSource.query(
        `SELECT coalesce((SELECT clickers FROM edition_engagement WHERE edition_id = $1), 0) AS n`,
        [editionId],
      ) as Promise<Array<{ n: number }>>,
      this.dataSource.query(
        `SELECT link_index, article_id, clicks, rank() OVER (ORDER BY clicks DESC)::int AS rank
           FROM edition_links WHERE edition_id = $1
          ORDER BY rank, link_index`,
        [editionId],
      ) as Promise<Array<{ link_index: number; article_id: string; clicks: number; rank: number }>>,
      since
        ? (this.dataSource.query(
            `SELECT hour, clicks AS n FROM edition_click_hours WHERE edition_id = $1 AND hour >= 0 AND hour < $2`,
            [editionId, STATS_HOURS],
          ) as Promise<Array<{ hour: number; n: number }>>)
        : Promise.resolve(null),
      withOpens
        ? (this.dataSource.query(
            `SELECT coalesce(g.reader_opens, 0) AS readers, coalesce(g.machine_opens, 0) AS machine
               FROM (SELECT 1) one LEFT JOIN edition_engagement g ON g.edition_id = $1`,
            [editionId],
          ) as Promise<Array<{ readers: number; machine: number }>>)
        : Promise.resolve(null),
    ]);
    const delivered = delivery.delivered;
    const rate = (n: number) => (delivered > 0 ? n / delivered : 0);
    const clicksByHour = hours ? Array.from({ length: STATS_HOURS }, () => 0) : [];
    for (const h of hours ?? []) {
      clicksByHour[h.hour] = h.n;
    }
    return {
      delivered,
      uniqueClickers: clickers.n,
      clickRate: rate(clickers.n),
      clicksByHour,
      links: links.map((l) => ({ linkIndex: l.link_index, articleId: l.article_id, clicks: l.clicks, rank: l.rank })),
      ...(opens
        ? { opens: { readers: opens[0].readers, machineOnly: opens[0].machine, rate: rate(opens[0].readers) } }
        : {}),
    };
  }

  /**
   * Clicks per topic of the clicked articles since `since` (e.g. the last 30 days), the most clicked first.
   * Distinct readers over a moving window cannot be kept as a running count, so this one figure is computed over
   * the window's clicks; when that is slow (a big list: hundreds of thousands of clicks a month), the result is
   * kept as a snapshot that is served for up to an hour of `since` and recomputed in the background once a minute
   * old, so the dashboard never waits for it but after a cold start. Small installs always get it fresh.
   */
  async byTopic(since: Date, limit = 20): Promise<TopicClicks[]> {
    const kept = this.topicSnapshot;
    const age = kept ? since.getTime() - kept.since.getTime() : Infinity;
    if (kept && kept.limit === limit && age >= 0 && age < TOPIC_SNAPSHOT_MAX_AGE_MS) {
      if (age > TOPIC_SNAPSHOT_REFRESH_MS && !this.topicRefresh) {
        this.topicRefresh = this.computeByTopic(since, limit)
          .catch(() => undefined)
          .finally(() => (this.topicRefresh = undefined));
      }
      return kept.rows;
    }
    return this.computeByTopic(since, limit);
  }

  private async computeByTopic(since: Date, limit: number): Promise<TopicClicks[]> {
    const started = performance.now();
    const rows: Array<{ topic: string; clicks: number; readers: number }> = await this.dataSource.query(
      `SELECT t.topic, count(*)::int AS clicks, count(DISTINCT c.subscriber_id)::int AS readers
         FROM clicks c
         JOIN edition_links l ON l.edition_id = c.edition_id AND l.link_index = c.link_index
         CROSS JOIN LATERAL unnest(l.topics) AS t(topic)
        WHERE c.clicked_at >= $1
        GROUP BY t.topic
        ORDER BY clicks DESC, t.topic
        LIMIT $2`,
      [since, limit],
    );
    this.topicSnapshot = performance.now() - started > TOPIC_SNAPSHOT_SLOW_MS ? { since, limit, rows } : undefined;
    return rows;
  }

  /** Readers who followed at least one link, per edition (editions without clicks are absent), as kept. */
  async clickersByEdition(editionIds: string[]): Promise<Map<string, number>> {
    if (editionIds.length === 0) {
      return new Map();
    }
    const rows: Array<{ edition_id: string; n: number }> = await this.dataSource.query(
      `SELECT edition_id::text, clickers AS n FROM edition_engagement
        WHERE edition_id = ANY($1::bigint[]) AND clickers > 0`,
      [editionIds],
    );
    return new Map(rows.map((r) => [r.edition_id, r.n]));
  }

  /** Readers who clicked each article in the given editions (each reader once per article). */
  async readersByArticle(editionIds: string[]): Promise<Map<string, number>> {
    if (editionIds.length === 0) {
      return new Map();
    }
    const rows: Array<{ article_id: string; readers: number }> = await this.dataSource.query(
      `SELECT l.article_id, count(DISTINCT c.subscriber_id)::int AS readers
         FROM clicks c
         JOIN edition_links l ON l.edition_id = c.edition_id AND l.link_index = c.link_index
        WHERE c.edition_id = ANY($1::bigint[])
        GROUP BY l.article_id`,
      [editionIds],
    );
    return new Map(rows.map((r) => [r.article_id, r.readers]));
  }
}
