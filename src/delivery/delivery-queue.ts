import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DeliveryStatus } from './delivery.entity';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'queued',
  'sending',
  'sent',
  'failed',
  'bounced',
  'skipped',
];

/** Segment key of readers whose topics match none of the edition's articles (their row is `skipped`). */
export const NO_MATCHING_ARTICLES_SEGMENT = 'none';

/** status_reason prefix of an edition the workers paused because too many deliveries failed. */
export const FAILURE_PAUSE_REASON_PREFIX = 'Paused automatically:';

/** What editors see while an edition goes out (GET /admin/digests/:id). */
export interface DeliveryProgress {
  counts: Record<DeliveryStatus, number>;
  /** Every ledger row of the edition. */
  total: number;
  /** Rows still to send: queued + sending. */
  remaining: number;
  /** Messages accepted per second over the last minute (0 when nothing was sent lately). */
  ratePerSecond: number;
  /** Seconds until remaining reaches zero at the current rate; null when there is no rate to go by. */
  etaSeconds: number | null;
  lastSentAt: Date | null;
}

/**
 * The delivery ledger's front door: hands an edition's audience to the ledger in one set-based statement,
 * and reports and repairs its state. Workers (DeliveryWorker) do the sending.
 */
@Injectable()
export class DeliveryQueue {
  private readonly logger = new Logger(DeliveryQueue.name);
  private readonly listeners = new Set<() => void>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Queues every active reader of the edition's frequency (of every frequency for a `breaking` alert), once
   * (ON CONFLICT DO NOTHING makes a second call a no-op). Each reader's segment is computed here in SQL: readers without topics get `all`; readers with
   * topics get the ids of the edition's articles that share a topic with them, ascending and joined by `,`
   * (`all` when that is every article). A reader none of whose topics appear gets a `skipped` row: no email,
   * but the ledger says why they got nothing. A breaking alert goes to every active reader whatever their topics:
   * each gets `all`.
   */
  async queueEdition(editionId: string): Promise<{ queued: number; skipped: number }> {
    const rows: Array<{ queued: string; skipped: string }> = await this.dataSource.query(
      `
      WITH edition AS (
        SELECT id, kind, frequency, article_ids FROM editions WHERE id = $1
      ), edition_articles AS (
        SELECT a.id, a.topics FROM articles a JOIN edition e ON a.id = ANY (e.article_ids)
      ), audience AS (
        SELECT s.id AS subscriber_id,
               CASE
                 WHEN e.kind = 'breaking' OR cardinality(s.topics) = 0 THEN 'all'
                 ELSE (
                   SELECT CASE
                            WHEN count(*) = 0 THEN NULL
                            WHEN count(*) = (SELECT count(*) FROM edition_articles) THEN 'all'
                            ELSE string_agg(ea.id::text, ',' ORDER BY ea.id)
                          END
                   FROM edition_articles ea
                   WHERE ea.topics && s.topics
                 )
               END AS segment_key
        FROM subscribers s JOIN edition e ON e.kind = 'breaking' OR s.frequency = e.frequency
        WHERE s.status = 'active'
      ), inserted AS (
        INSERT INTO deliveries (edition_id, subscriber_id, segment_key, status, last_error)
        SELECT $1, subscriber_id,
               coalesce(segment_key, '${NO_MATCHING_ARTICLES_SEGMENT}'),
               CASE WHEN segment_key IS NULL THEN 'skipped' ELSE 'queued' END,
               CASE WHEN segment_key IS NULL THEN 'no article in this edition matches the reader''s topics' END
        FROM audience
        ON CONFLICT (edition_id, subscriber_id) DO NOTHING
        RETURNING status
      )
      SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
             count(*) FILTER (WHERE status = 'skipped') AS skipped
      FROM inserted
      `,
      [editionId],
    );
    const result = { queued: Number(rows[0].queued), skipped: Number(rows[0].skipped) };
    this.logger.log(`Edition ${editionId}: queued ${result.queued} deliveries, skipped ${result.skipped}`);
    if (result.queued > 0) {
      this.listeners.forEach((wake) => wake());
    }
    return result;
  }

  /** Ledger rows of an edition per status, every status present (zeros included). */
  async countsByStatus(editionId: string): Promise<Record<DeliveryStatus, number>> {
    const rows: Array<{ status: DeliveryStatus; n: string }> = await this.dataSource.query(
      `SELECT status, count(*) AS n FROM deliveries WHERE edition_id = $1 GROUP BY status`,
      [editionId],
    );
    const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
    for (const row of rows) {
      counts[row.status] = Number(row.n);
    }
    return counts;
  }

  /** Counts, rate and ETA of an edition's send, for logs and the editors' API. */
  async progress(editionId: string): Promise<DeliveryProgress> {
    const [counts, recent] = await Promise.all([
      this.countsByStatus(editionId),
      this.dataSource.query(
        `SELECT count(*) AS n,
                extract(epoch FROM now() - min(sent_at)) AS span,
                (SELECT max(sent_at) FROM deliveries WHERE edition_id = $1 AND status = 'sent') AS last_sent_at
         FROM deliveries
         WHERE edition_id = $1 AND status = 'sent' AND sent_at > now() - interval '60 seconds'`,
        [editionId],
      ) as Promise<Array<{ n: string; span: string | null; last_sent_at: Date | null }>>,
    ]);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const remaining = counts.queued + counts.sending;
    const sentLately = Number(recent[0].n);
    // At least one second of span, so the first few messages do not promise an absurd rate.
    const ratePerSecond = sentLately > 0 ? sentLately / Math.max(1, Number(recent[0].span ?? 0)) : 0;
    return {
      counts,
      total,
      remaining,
      ratePerSecond: Math.round(ratePerSecond * 10) / 10,
      etaSeconds: remaining === 0 ? 0 : ratePerSecond > 0 ? Math.ceil(remaining / ratePerSecond) : null,
      lastSentAt: recent[0].last_sent_at ? new Date(recent[0].last_sent_at) : null,
    };
  }

  /**
   * Gives failed deliveries a fresh set of attempts. An edition that had finished (`sent`) or that the
   * workers paused because of failures goes back to `sending`; an edition an editor paused or cancelled
   * keeps its status (resuming it is the editor's call). Returns how many deliveries were re-queued.
   */
  async retryFailed(editionId: string): Promise<number> {
    const requeued = await this.dataSource.transaction(async (manager) => {
      // Wrapped in a SELECT: TypeORM returns [rows, count] for a bare UPDATE … RETURNING.
      const [{ n }]: Array<{ n: string }> = await manager.query(
        `WITH requeued AS (
           UPDATE deliveries
           SET status = 'queued', attempts = 0, next_attempt_at = now(), lease_expires_at = NULL, last_error = NULL,
               updated_at = now()
           WHERE edition_id = $1 AND status = 'failed'
           RETURNING id
         )
         SELECT count(*) AS n FROM requeued`,
        [editionId],
      );
      if (Number(n) > 0) {
        await manager.query(
          `UPDATE editions
           SET status = 'sending', status_reason = NULL, sent_at = NULL, updated_at = now()
           WHERE id = $1 AND (status = 'sent' OR (status = 'paused' AND status_reason LIKE $2))`,
          [editionId, `${FAILURE_PAUSE_REASON_PREFIX}%`],
        );
      }
      return Number(n);
    });
    this.logger.log(`Edition ${editionId}: ${requeued} failed deliveries queued again`);
    if (requeued > 0) {
      this.listeners.forEach((wake) => wake());
    }
    return requeued;
  }

  /** Lets a worker in this process start at once when work is queued, instead of at its next poll. */
  onWork(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
