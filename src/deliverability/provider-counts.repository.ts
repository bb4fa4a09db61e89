import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { messageKeyOf } from '../delivery/message-key';

export type ReportKind = 'hard' | 'soft' | 'complaint';

/** One mailbox provider's counts (of an edition, or summed over days). */
export interface ProviderCounts {
  provider: string;
  delivered: number;
  complaints: number;
  hardBounces: number;
  softBounces: number;
}

const COLUMN: Record<ReportKind, string> = { hard: 'hard_bounces', soft: 'soft_bounces', complaint: 'complaints' };

/** A reader's mailbox provider: their address domain in mailbox_domains, else `other`. */
const PROVIDER_OF = (email: string) =>
  `coalesce((SELECT md.provider FROM mailbox_domains md WHERE md.domain = lower(split_part(${email}, '@', 2))), 'other')`;

/**
 * The kept counts of complaints and bounces by mailbox provider: `provider_counts` per edition, `provider_days`
 * per day (UTC), both updated in the statement that records the fact, never counted over the ledger on a page.
 * Rows are upserted in key order so two workers flushing at once cannot deadlock.
 */
@Injectable()
export class ProviderCountsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Rows the workers wrote back: `sent` count as delivered, `bounced` (refused at SMTP time) as hard bounces,
   * each marked so a provider's later report of the same bounce does not count it twice. Returns the editions
   * whose counts changed.
   */
  async recordWriteBack(results: ReadonlyArray<{ id: string; status: string }>): Promise<string[]> {
    const finished = results.filter((r) => r.status === 'sent' || r.status === 'bounced');
    if (finished.length === 0) {
      return [];
    }
    const rows: Array<{ edition_id: string }> = await this.dataSource.query(
      `WITH r AS (SELECT * FROM unnest($1::bigint[], $2::text[]) AS r(id, status)),
       t AS (
         SELECT d.edition_id, ${PROVIDER_OF('s.email')} AS provider,
                count(*) FILTER (WHERE r.status = 'sent')::int AS delivered,
                count(*) FILTER (WHERE r.status = 'bounced')::int AS hard
         FROM r JOIN deliveries d ON d.id = r.id AND d.status = r.status
         JOIN subscribers s ON s.id = d.subscriber_id
         GROUP BY 1, 2),
       marks AS (
         INSERT INTO provider_report_marks (delivery_id, kind)
         SELECT id, 'hard' FROM r WHERE status = 'bounced' ORDER BY id ON CONFLICT DO NOTHING),
       days AS (
         INSERT INTO provider_days AS p (day, provider, delivered, hard_bounces)
         SELECT $3::date, provider, sum(delivered), sum(hard) FROM t GROUP BY provider ORDER BY provider
         ON CONFLICT (day, provider) DO UPDATE
           SET delivered = p.delivered + EXCLUDED.delivered, hard_bounces = p.hard_bounces + EXCLUDED.hard_bounces)
       INSERT INTO provider_counts AS p (edition_id, provider, delivered, hard_bounces)
       SELECT edition_id, provider, delivered, hard FROM t ORDER BY edition_id, provider
       ON CONFLICT (edition_id, provider) DO UPDATE
         SET delivered = p.delivered + EXCLUDED.delivered, hard_bounces = p.hard_bounces + EXCLUDED.hard_bounces
       RETURNING edition_id::text`,
      [finished.map((r) => r.id), finished.map((r) => r.status), this.today()],
    );
    return [...new Set(rows.map((r) => r.edition_id))];
  }

  /**
   * A late report about these readers: the delivery its Message-ID names (else each reader's latest finished
   * one) counts one complaint, hard or soft bounce for its edition and provider, once per delivery and kind.
   * Returns the editions whose counts changed.
   */
  async recordReport(kind: ReportKind, subscriberIds: string[], messageId: string | null): Promise<string[]> {
    const key = messageKeyOf(messageId);
    const column = COLUMN[kind];
    const rows: Array<{ edition_id: string }> = await this.dataSource.query(
      `WITH target AS (
         SELECT DISTINCT ON (d.subscriber_id) d.id, d.edition_id, s.email
         FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
         WHERE d.subscriber_id = ANY($1::bigint[]) AND d.status IN ('sent', 'bounced')
           ${key ? 'AND d.message_key = $4::uuid' : ''}
         ORDER BY d.subscriber_id, d.sent_at DESC NULLS LAST, d.id DESC),
       marked AS (
         INSERT INTO provider_report_marks (delivery_id, kind)
         SELECT id, $2 FROM target ORDER BY id ON CONFLICT DO NOTHING RETURNING delivery_id),
       t AS (
         SELECT target.edition_id, ${PROVIDER_OF('target.email')} AS provider, count(*)::int AS n
         FROM marked JOIN target ON target.id = marked.delivery_id GROUP BY 1, 2),
       days AS (
         INSERT INTO provider_days AS p (day, provider, ${column})
         SELECT $3::date, provider, sum(n) FROM t GROUP BY provider ORDER BY provider
         ON CONFLICT (day, provider) DO UPDATE SET ${column} = p.${column} + EXCLUDED.${column})
       INSERT INTO provider_counts AS p (edition_id, provider, ${column})
       SELECT edition_id, provider, n FROM t ORDER BY edition_id, provider
       ON CONFLICT (edition_id, provider) DO UPDATE SET ${column} = p.${column} + EXCLUDED.${column}
       RETURNING edition_id::text`,
      [subscriberIds, kind, this.today(), ...(key ? [key] : [])],
    );
    return [...new Set(rows.map((r) => r.edition_id))];
  }

  /** An edition's counts by provider. */
  async ofEdition(editionId: string): Promise<ProviderCounts[]> {
    return this.mapped(
      await this.dataSource.query(
        `SELECT provider, delivered, complaints, hard_bounces, soft_bounces FROM provider_counts
         WHERE edition_id = $1 ORDER BY provider`,
        [editionId],
      ),
    );
  }

  /** Counts by provider over the last `days` days (today included). */
  async overDays(days: number): Promise<ProviderCounts[]> {
    return this.mapped(
      await this.dataSource.query(
        `SELECT provider, sum(delivered)::int AS delivered, sum(complaints)::int AS complaints,
                sum(hard_bounces)::int AS hard_bounces, sum(soft_bounces)::int AS soft_bounces
         FROM provider_days WHERE day > $1::date - $2::int GROUP BY provider ORDER BY provider`,
        [this.today(), days],
      ),
    );
  }

  /** The most messages delivered to one provider in one day over the last `days` days, and that day. */
  async busiestDay(provider: string, days: number): Promise<{ day: string; delivered: number } | null> {
    const rows: Array<{ day: string; delivered: number }> = await this.dataSource.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, delivered FROM provider_days
       WHERE provider = $1 AND day > $2::date - $3::int ORDER BY delivered DESC, day DESC LIMIT 1`,
      [provider, this.today(), days],
    );
    return rows[0] ?? null;
  }

  /** Complaints + hard bounces of the edition when deliverability last paused it (null: never). */
  async eventsAtPause(editionId: string): Promise<number | null> {
    const rows: Array<{ events_at_pause: number }> = await this.dataSource.query(
      `SELECT events_at_pause FROM edition_reputation WHERE edition_id = $1`,
      [editionId],
    );
    return rows[0]?.events_at_pause ?? null;
  }

  async rememberPause(editionId: string, events: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO edition_reputation (edition_id, events_at_pause) VALUES ($1, $2)
       ON CONFLICT (edition_id) DO UPDATE SET events_at_pause = EXCLUDED.events_at_pause`,
      [editionId, events],
    );
  }

  private today(): string {
    return this.clock.now().toISOString().slice(0, 10);
  }

  private mapped(
    rows: Array<{
      provider: string;
      delivered: number;
      complaints: number;
      hard_bounces: number;
      soft_bounces: number;
    }>,
  ): ProviderCounts[] {
    return rows.map((r) => ({
      provider: r.provider,
      delivered: Number(r.delivered),
      complaints: Number(r.complaints),
      hardBounces: Number(r.hard_bounces),
      softBounces: Number(r.soft_bounces),
    }));
  }
}
