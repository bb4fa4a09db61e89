import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A newsletter's readers by state, from the kept counts. */
export interface NewsletterReaders {
  /** Active subscriptions of active readers: who gets its next edition. */
  active: number;
  /** Active subscriptions of readers still confirming their address. */
  pending: number;
  /** Subscriptions ended (the reader left this newsletter, or their address bounced, complained or left all). */
  gone: number;
}

/**
 * Readers per newsletter, read from `newsletter_reader_counts` (kept by the subscriptions' and subscribers'
 * triggers, migration NewsletterReaderCounts): one pass over a few hundred kept rows, never over subscriptions.
 */
export const READERS_BY_NEWSLETTER_SQL = `
  SELECT newsletter_id AS id,
         coalesce(sum(n) FILTER (WHERE status = 'active' AND reader_status = 'active'), 0)::int AS active,
         coalesce(sum(n) FILTER (WHERE status = 'active' AND reader_status = 'pending'), 0)::int AS pending,
         coalesce(sum(n) FILTER (WHERE status <> 'active' OR reader_status NOT IN ('active', 'pending')), 0)::int AS gone
    FROM newsletter_reader_counts
   GROUP BY newsletter_id`;

/**
 * A digest edition's audience from the kept counts: $1 the newsletter, $2 the topics of its articles. Active
 * readers of the newsletter, and of them those who receive something: readers who follow every topic, or one
 * of the edition's (what AudienceRepository.forEdition's segment says, summed over topic sets, not readers).
 */
export const AUDIENCE_SQL = `
  SELECT coalesce(sum(n), 0)::bigint AS active,
         coalesce(sum(n) FILTER (WHERE cardinality(topics) = 0 OR topics && $2::text[]), 0)::bigint AS receiving
    FROM newsletter_reader_counts
   WHERE newsletter_id = $1 AND status = 'active' AND reader_status = 'active'`;

@Injectable()
export class NewsletterReaderCounts {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Every newsletter's readers by state, by newsletter id (a newsletter nobody joined is absent: all zero). */
  async byNewsletter(): Promise<Map<number, NewsletterReaders>> {
    const rows: Array<NewsletterReaders & { id: number }> = await this.dataSource.query(READERS_BY_NEWSLETTER_SQL);
    return new Map(rows.map(({ id, ...readers }) => [id, readers]));
  }

  /** How many active readers an edition of the newsletter reaches, and how many receive one of `topics`. */
  async audience(newsletterId: number, topics: string[]): Promise<{ active: number; receiving: number }> {
    const [row]: Array<{ active: string; receiving: string }> = await this.dataSource.query(AUDIENCE_SQL, [
      newsletterId,
      [...new Set(topics)],
    ]);
    return { active: Number(row.active), receiving: Number(row.receiving) };
  }
}

export const NO_READERS: NewsletterReaders = { active: 0, pending: 0, gone: 0 };
