import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ConsentRecord, Frequency, SubscriberStatus } from './subscriber.entity';
import { SubscribersRepository } from './subscribers.repository';

export const READER_STATUSES: SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'bounced', 'complained'];

export interface ReaderFilter {
  /** Part of the address, any case. */
  q?: string;
  status?: SubscriberStatus;
  frequency?: Frequency;
  /** A topic key the reader follows. */
  topic?: string;
  /** The slug of a newsletter the reader has an active subscription to. */
  newsletter?: string;
  /** Part of the page the reader signed up on. */
  page?: string;
}

export interface ReaderRow {
  id: string;
  email: string;
  status: SubscriberStatus;
  frequency: Frequency;
  topics: string[];
  signupPage: string | null;
  createdAt: Date;
}

export interface ReaderPage {
  readers: ReaderRow[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: string | null;
}

export interface ReaderRecord extends ReaderRow {
  locale: string;
  consent: (ConsentRecord & Record<string, unknown>) | null;
  confirmationSentAt: Date | null;
  confirmedAt: Date | null;
  unsubscribedAt: Date | null;
  bouncedAt: Date | null;
  updatedAt: Date;
}

export interface ReaderDelivery {
  editionId: string;
  editionKey: string | null;
  subject: string | null;
  status: string;
  attempts: number;
  lastError: string | null;
  sentAt: Date | null;
  createdAt: Date;
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The newsroom's view of readers: search, filters, counts, one reader's record, and the readers' side of a
 * topic merge. Signup, confirmation and erasure stay in SubscriptionsService and SubscriberPrivacyService.
 * Lists are keyset-paged by id.
 */
@Injectable()
export class ReaderDirectory {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly readers: SubscribersRepository,
  ) {}

  private where(filter: ReaderFilter, withStatus: boolean): { sql: string; params: unknown[] } {
    const clauses: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      clauses.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.q) {
      add('email_key LIKE ?', likePattern(filter.q.toLowerCase()));
    }
    if (withStatus && filter.status) {
      add('status = ?', filter.status);
    }
    if (filter.frequency) {
      add('frequency = ?', filter.frequency);
    }
    if (filter.topic) {
      add('topics @> ARRAY[?]::text[]', filter.topic);
    }
    if (filter.newsletter) {
      add(
        `EXISTS (SELECT 1 FROM subscriptions sub JOIN newsletters n ON n.id = sub.newsletter_id
                  WHERE sub.subscriber_id = subscribers.id AND sub.status = 'active' AND n.slug = ?)`,
        filter.newsletter,
      );
    }
    if (filter.page) {
      add("consent->>'page' ILIKE ?", likePattern(filter.page));
    }
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  }

  /** The frequency and topic filters over reader_counts (whose topics are a reader's whole, sorted set). */
  private keptWhere(filter: ReaderFilter): { sql: string; params: unknown[] } {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.frequency) {
      params.push(filter.frequency);
      clauses.push(`frequency = $${params.length}`);
    }
    if (filter.topic) {
      params.push(filter.topic);
      clauses.push(`topics @> ARRAY[$${params.length}]::text[]`);
    }
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  }

  async list(filter: ReaderFilter, before: string | undefined, limit: number): Promise<ReaderPage> {
    const { sql, params } = this.where(filter, true);
    const keyset =
      before && /^\d{1,18}$/.test(before) ? `${sql ? `${sql} AND` : 'WHERE'} id < $${params.length + 1}` : sql;
    const rows = (await this.dataSource.query(
      `SELECT id, email, status, frequency, topics, consent->>'page' AS "signupPage", created_at AS "createdAt"
       FROM subscribers ${keyset} ORDER BY id DESC LIMIT ${limit + 1}`,
      keyset === sql ? params : [...params, before],
    )) as ReaderRow[];
    const readers = rows.slice(0, limit);
    return { readers, nextBefore: rows.length > limit ? readers[readers.length - 1].id : null };
  }

  /** Every reader matching the filter, oldest first, fetched `batch` at a time by id (exports). */
  async *walk(filter: ReaderFilter, batch = 1000): AsyncGenerator<ReaderRow[]> {
    const { sql, params } = this.where(filter, true);
    let after = '0';
    for (;;) {
      const rows = (await this.dataSource.query(
        `SELECT id, email, status, frequency, topics, consent->>'page' AS "signupPage", created_at AS "createdAt"
         FROM subscribers ${sql ? `${sql} AND` : 'WHERE'} id > $${params.length + 1} ORDER BY id LIMIT ${batch}`,
        [...params, after],
      )) as ReaderRow[];
      if (rows.length === 0) {
        return;
      }
      yield rows;
      after = rows[rows.length - 1].id;
    }
  }

  /** How many readers match the filter (status aside), per status. */
  async countsByStatus(filter: ReaderFilter): Promise<Record<SubscriberStatus, number>> {
    // Without a search or page filter the kept counts answer (reader_counts, by status, frequency and topic set);
    // a search counts only its matches, found through the trigram index on email_key.
    const kept = !filter.q && !filter.page;
    const { sql, params } = kept ? this.keptWhere(filter) : this.where(filter, false);
    const rows = (await this.dataSource.query(
      kept
        ? `SELECT status, sum(n)::int AS count FROM reader_counts ${sql} GROUP BY status`
        : `SELECT status, count(*)::int AS count FROM subscribers ${sql} GROUP BY status`,
      params,
    )) as Array<{ status: SubscriberStatus; count: number }>;
    const counts = Object.fromEntries(READER_STATUSES.map((s) => [s, 0])) as Record<SubscriberStatus, number>;
    for (const row of rows) {
      counts[row.status] = row.count;
    }
    return counts;
  }

  async find(id: string): Promise<ReaderRecord | null> {
    if (!/^\d{1,18}$/.test(id)) {
      return null;
    }
    const [row] = (await this.dataSource.query(
      `SELECT id, email, status, frequency, topics, locale, consent, consent->>'page' AS "signupPage",
              confirmation_sent_at AS "confirmationSentAt", confirmed_at AS "confirmedAt",
              unsubscribed_at AS "unsubscribedAt", bounced_at AS "bouncedAt",
              created_at AS "createdAt", updated_at AS "updatedAt"
       FROM subscribers WHERE id = $1`,
      [id],
    )) as ReaderRecord[];
    return row ?? null;
  }

  /** The reader's latest deliveries, newest first, with the edition each belongs to. */
  async deliveries(id: string, limit: number): Promise<ReaderDelivery[]> {
    return (await this.dataSource.query(
      `SELECT d.edition_id AS "editionId", e.key AS "editionKey", e.subject, d.status, d.attempts,
              d.last_error AS "lastError", d.sent_at AS "sentAt", d.created_at AS "createdAt"
       FROM deliveries d LEFT JOIN editions e ON e.id = d.edition_id
       WHERE d.subscriber_id = $1 ORDER BY d.id DESC LIMIT $2`,
      [id, limit],
    )) as ReaderDelivery[];
  }

  /** Readers following each topic (a reader with no topics follows everything and is not counted). */
  async followerCounts(): Promise<Map<string, number>> {
    // Kept counts per topic set (reader_counts), a few hundred rows, rather than a pass over every reader.
    const rows = (await this.dataSource.query(
      `SELECT topic, sum(n)::int AS count FROM reader_counts, unnest(topics) AS topic
       WHERE status IN ('pending', 'active') GROUP BY topic HAVING sum(n) <> 0`,
    )) as Array<{ topic: string; count: number }>;
    return new Map(rows.map((r) => [r.topic, r.count]));
  }

  /**
   * Readers following `from` follow `into` instead (once, even if they followed both): the readers' side of a
   * topic merge. Runs in the caller's transaction so the articles' side changes with it.
   */
  replaceTopic(from: string, into: string, manager?: EntityManager): Promise<number> {
    return this.readers.replaceTopic(from, into, manager);
  }
}
