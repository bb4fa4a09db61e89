import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LOCK_KEYS, tryTransactionLock } from '../database/advisory-lock';
import { returnedRows } from '../database/returning';
import type { Audience } from './delivery-ports';
import type { DeliveryStatus } from './delivery.entity';
import { namedDelivery } from './message-key';
import { LIVE_HOLDERS_SQL } from './worker-identity';

/** Segment key of readers whose topics match none of the edition's articles (their row is `skipped`). */
export const NO_MATCHING_ARTICLES_SEGMENT = 'none';

/**
 * The claim ($1 limit, $2 lease seconds, $3 edition ids, $4 for each edition the id after which to look, 0 for
 * the front, see ClaimCursor; $5 the claiming process's holder id, see WorkerIdentity): up to $1 due rows
 * (queued and due, or sending with a lapsed lease or a holder whose process is gone), marked `sending` with a
 * lease and the holder. Exported so `npm run bench` explains the very statement.
 */
export const CLAIM_SQL = `WITH claimable AS (
  -- One index walk per sending edition, each stopping after $1 due rows: ix_deliveries_pending_edition
  -- (edition_id, id), or ix_deliveries_pending (id) while one edition holds every unfinished row, so the claim
  -- reads about $1 rows whatever else the ledger holds (other editions' unfinished rows: a paused edition, an
  -- older one). An OR of editions (edition_id = ANY) cannot walk the per-edition index in id order.
  SELECT p.id
  FROM unnest($3::bigint[], $4::bigint[]) AS e(id, after)
  CROSS JOIN LATERAL (
    SELECT d.id
    FROM deliveries d
    WHERE d.edition_id = e.id AND d.id > e.after AND d.status IN ('queued', 'sending')
      -- Due: queued and its time has come, or sending with a lapsed lease or a dead holder (its advisory lock
      -- is free: the process is gone, see WorkerIdentity; a row without holder waits for its lease). As a CASE,
      -- not an OR of two indexable conditions: the OR let the planner estimate a few hundred due rows, fetch
      -- every unfinished row of the edition through ix_deliveries_claim and sort them (10k rows read at 10k
      -- pending).
      AND CASE WHEN d.status = 'queued' THEN d.next_attempt_at <= clock_timestamp()
               ELSE d.lease_expires_at < clock_timestamp() OR d.claimed_by <> ALL (${LIVE_HOLDERS_SQL}) END
    ORDER BY d.id
    LIMIT $1
    FOR UPDATE OF d SKIP LOCKED
  ) p
  ORDER BY p.id
  LIMIT $1
), claimed AS (
  UPDATE deliveries d
  SET status = 'sending', claimed_by = $5,
      lease_expires_at = clock_timestamp() + make_interval(secs => $2), updated_at = clock_timestamp()
  -- ANY(ARRAY(…)) keeps the UPDATE on the primary key whatever the planner guesses of claimable's size
  -- (a join back to deliveries was planned as a hash join over the whole table: see bench/RESULTS.md).
  WHERE d.id = ANY(ARRAY(SELECT id FROM claimable))
    -- The ledger is partitioned by edition: naming the editions keeps the UPDATE to their partitions.
    AND d.edition_id = ANY($3::bigint[])
  RETURNING d.id, d.edition_id, d.subscriber_id, d.segment_key, d.attempts, d.message_key
)
SELECT c.id::text, c.edition_id::text, c.subscriber_id::text, c.segment_key, c.attempts, c.message_key::text,
       s.email, s.status AS subscriber_status
FROM claimed c JOIN subscribers s ON s.id = c.subscriber_id
ORDER BY c.id`;

/** Parameter $n's value for the row being updated, by the row's position in the id list $1. */
const at = (n: number, type: string) => `($${n}::${type}[])[array_position($1::bigint[], d.id)]`;

/**
 * The write-back of one flush's results ($1…$6: parallel arrays of id, status, error, message id, retry
 * seconds, attempts delta; $7 their editions, so only their ledger partitions are read); returns the readers
 * whose row bounced. Each row finds its values by its position
 * in $1 rather than by a join with unnest(…): the planner, sure from the statistics that hardly any row is
 * `sending`, planned that join as a nested loop re-reading all the results for every row (200 × 200, 10-30 ms
 * a flush); array_position over 200 ids is a few microseconds.
 */
export const WRITE_BACK_SQL = `WITH updated AS (
  UPDATE deliveries d
  SET status = ${at(2, 'text')},
      lease_expires_at = NULL,
      -- A claim handed back unsent keeps the error of its previous attempt.
      last_error = CASE WHEN ${at(6, 'int')} = 0 AND ${at(3, 'text')} IS NULL THEN d.last_error
                        ELSE ${at(3, 'text')} END,
      message_id = coalesce(${at(4, 'text')}, d.message_id),
      sent_at = CASE WHEN ${at(2, 'text')} = 'sent' THEN clock_timestamp() ELSE d.sent_at END,
      next_attempt_at = CASE WHEN ${at(5, 'int')} IS NULL THEN d.next_attempt_at
                             ELSE clock_timestamp() + make_interval(secs => ${at(5, 'int')}) END,
      attempts = d.attempts + ${at(6, 'int')},
      updated_at = clock_timestamp()
  WHERE d.id = ANY($1::bigint[]) AND d.status = 'sending' AND d.edition_id = ANY($7::bigint[])
  RETURNING d.subscriber_id, d.status
)
SELECT DISTINCT subscriber_id::text FROM updated WHERE status = 'bounced'`;

/** A ledger row a worker holds a lease on, with its reader's address. */
export interface ClaimedDelivery {
  id: string;
  edition_id: string;
  subscriber_id: string;
  segment_key: string;
  attempts: number;
  /** Random, drawn at queue time: the Message-ID's left part. */
  message_key: string;
  email: string;
  subscriber_status: string;
}

/** One row's fate, written back in bulk. */
export interface DeliveryResult {
  id: string;
  editionId: string;
  status: 'sent' | 'queued' | 'failed' | 'bounced' | 'skipped';
  error: string | null;
  messageId: string | null;
  /** Seconds until the next attempt (status queued), else null. */
  retrySeconds: number | null;
  /**
   * 1 when this result records a real attempt (an SMTP answer, or a connection error on this message), 0 when
   * nothing was tried (a claim handed back unsent, a reader skipped, the transport unreachable): attempts are
   * counted at write-back, never at claim, so a takeover after a crash costs the reader nothing.
   */
  attemptsDelta: 0 | 1;
}

/** An edition whose kept counts differed from its rows at the nightly recount, before it was corrected. */
export interface EditionCountDrift {
  editionId: string;
  kept: Record<DeliveryStatus, number>;
  counted: Record<DeliveryStatus, number>;
}

const STATUS_COLUMNS = ['queued', 'sending', 'sent', 'failed', 'bounced', 'skipped'] as const;
const COUNT_BY_STATUS = STATUS_COLUMNS.map((s) => `count(d.id) FILTER (WHERE d.status = '${s}') AS ${s}`).join(', ');

/** One reader's row, for their privacy export. */
export interface ReaderDelivery {
  editionId: string;
  status: string;
  attempts: number;
  lastError: string | null;
  messageId: string | null;
  sentAt: Date | null;
  createdAt: Date;
}

/**
 * The deliveries table's SQL, and the only code that changes a delivery's status. Every change is a
 * conditional UPDATE (claims `FOR UPDATE SKIP LOCKED`, write-backs only of rows still `sending`), so any
 * number of workers share one ledger.
 */
@Injectable()
export class DeliveryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One INSERT … SELECT over the audience (readers' audience_members function, inlined by the planner); the
   * unique key makes a second call a no-op.
   */
  async queueAudience(
    editionId: string,
    audience: Audience,
    held = false,
  ): Promise<{ queued: number; skipped: number }> {
    // Held rows (a warm-up's daily allowance) are due only when releaseHeld makes them so.
    const due = held ? `'infinity'::timestamptz` : 'now()';
    const [row]: Array<{ queued: string; skipped: string }> = await this.dataSource.query(
      `WITH inserted AS (
         INSERT INTO deliveries (edition_id, subscriber_id, segment_key, status, last_error, next_attempt_at)
         SELECT $1::bigint, subscriber_id,
                coalesce(segment_key, '${NO_MATCHING_ARTICLES_SEGMENT}'),
                CASE WHEN segment_key IS NULL THEN 'skipped' ELSE 'queued' END,
                CASE WHEN segment_key IS NULL THEN 'no article in this edition matches the reader''s topics' END,
                ${due}
         FROM audience_members($2::integer, $3::jsonb, $4::boolean)
         ON CONFLICT (edition_id, subscriber_id) DO NOTHING
         RETURNING status
       )
       SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
              count(*) FILTER (WHERE status = 'skipped') AS skipped
       FROM inserted`,
      [editionId, ...audienceParams(audience)],
    );
    return { queued: Number(row.queued), skipped: Number(row.skipped) };
  }

  /**
   * A late hard bounce (webhook or bounce mailbox): the delivery its Message-ID names, or else each reader's
   * latest sent one, becomes `bounced`. Returns how many rows changed.
   */
  async markLateBounce(subscriberIds: string[], messageId: string | null, reason: string): Promise<number> {
    const named = namedDelivery(messageId, 3);
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE deliveries SET status = 'bounced', last_error = $2, updated_at = clock_timestamp()
         WHERE status = 'sent' AND id IN (
           SELECT DISTINCT ON (subscriber_id) id FROM deliveries
           WHERE subscriber_id = ANY($1::bigint[]) AND status = 'sent' ${named ? `AND ${named.where}` : ''}
           ORDER BY subscriber_id, sent_at DESC NULLS LAST, id DESC)
         RETURNING id`,
        [subscriberIds, reason, ...(named ? [named.value] : [])],
      ),
    );
    return rows.length;
  }

  /**
   * Makes up to `count` held rows due now, those of the most recently engaged readers first (a warm-up sends
   * its first days to the readers most likely to open, the best signal a new domain can give). Returns how many.
   */
  async releaseHeld(count: number): Promise<number> {
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE deliveries SET next_attempt_at = clock_timestamp(), updated_at = clock_timestamp()
         WHERE id = ANY(ARRAY(
           SELECT d.id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
           WHERE d.status = 'queued' AND d.next_attempt_at = 'infinity'
           ORDER BY s.last_engaged_at DESC NULLS LAST, d.id
           LIMIT $1
           FOR UPDATE OF d SKIP LOCKED))
         RETURNING id`,
        [count],
      ),
    );
    return rows.length;
  }

  /** Rows queued held, waiting for a day's allowance. */
  async heldCount(): Promise<number> {
    const [row]: Array<{ n: string }> = await this.dataSource.query(
      `SELECT count(*) AS n FROM deliveries WHERE status = 'queued' AND next_attempt_at = 'infinity'`,
    );
    return Number(row.n);
  }

  /**
   * The edition's rows per status, from its kept counts (edition_counts, kept by the ledger's triggers in the
   * statement that changes a row: see migration KeptCounts): one primary-key read whatever the edition's size.
   */
  async countsByStatus(editionId: string): Promise<Array<{ status: DeliveryStatus; n: number }>> {
    const [row]: Array<Record<DeliveryStatus, string>> = await this.dataSource.query(
      `SELECT queued, sending, sent, failed, bounced, skipped FROM edition_counts WHERE edition_id = $1`,
      [editionId],
    );
    return row
      ? (Object.entries(row) as Array<[DeliveryStatus, string]>).map(([status, n]) => ({ status, n: Number(n) }))
      : [];
  }

  /** Kept counts of several editions at once (the history list), keyed by edition id; absent when none. */
  async countsOf(editionIds: string[]): Promise<Map<string, Record<DeliveryStatus, number>>> {
    const rows: Array<Record<DeliveryStatus, string> & { edition_id: string }> = await this.dataSource.query(
      `SELECT edition_id::text, queued, sending, sent, failed, bounced, skipped
       FROM edition_counts WHERE edition_id = ANY($1::bigint[])`,
      [editionIds],
    );
    return new Map(
      rows.map(({ edition_id, ...n }) => [
        edition_id,
        Object.fromEntries(Object.entries(n).map(([s, v]) => [s, Number(v)])) as Record<DeliveryStatus, number>,
      ]),
    );
  }

  /**
   * Messages accepted recently, the seconds they span, and the last one's time, from the edition's kept
   * two-window send counter (the current 30-second window and the one before it; older windows count for nothing).
   */
  async recentSends(editionId: string): Promise<{ n: number; span: number; lastSentAt: Date | null }> {
    const [row]: Array<{ n: string; span: string | null; last_sent_at: Date | null }> = await this.dataSource.query(
      `SELECT CASE WHEN window_start > now() - interval '60 seconds' THEN window_sent ELSE 0 END
              + CASE WHEN previous_window_start > now() - interval '60 seconds' THEN previous_window_sent ELSE 0 END AS n,
              extract(epoch FROM now() - CASE WHEN previous_window_start > now() - interval '60 seconds'
                                              THEN previous_window_start ELSE window_start END) AS span,
              last_sent_at
       FROM edition_counts WHERE edition_id = $1`,
      [editionId],
    );
    return row
      ? { n: Number(row.n), span: Number(row.span ?? 0), lastSentAt: row.last_sent_at }
      : { n: 0, span: 0, lastSentAt: null };
  }

  /** failed → queued with a fresh set of attempts; returns how many. */
  async requeueFailed(editionId: string): Promise<number> {
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE deliveries
         SET status = 'queued', attempts = 0, next_attempt_at = now(), lease_expires_at = NULL, last_error = NULL,
             updated_at = now()
         WHERE edition_id = $1 AND status = 'failed'
         RETURNING id`,
        [editionId],
      ),
    );
    return rows.length;
  }

  /**
   * Up to `limit` rows of the given editions that are due (queued and due, or sending with a lapsed lease),
   * marked `sending` with a lease, `FOR UPDATE SKIP LOCKED` so concurrent workers never share a row. A claim
   * does not count as an attempt (see DeliveryResult.attemptsDelta). `after`, one id per edition: look only
   * past it (ClaimCursor's keyset walk; '0' for the front). `holder`: the claiming process (WorkerIdentity).
   */
  async claim(
    editionIds: string[],
    limit: number,
    leaseSeconds: number,
    after: string[],
    holder: number,
  ): Promise<ClaimedDelivery[]> {
    return this.dataSource.query(CLAIM_SQL, [limit, leaseSeconds, editionIds, after, holder]);
  }

  async renewLeases(ids: string[], leaseSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE deliveries SET lease_expires_at = clock_timestamp() + make_interval(secs => $2)
       WHERE id = ANY($1::bigint[]) AND status = 'sending'`,
      [ids, leaseSeconds],
    );
  }

  /** Every row's result in one statement; returns the readers whose row bounced. */
  async writeBack(results: DeliveryResult[]): Promise<string[]> {
    const rows: Array<{ subscriber_id: string }> = await this.dataSource.query(WRITE_BACK_SQL, [
      results.map((r) => r.id),
      results.map((r) => r.status),
      results.map((r) => r.error),
      results.map((r) => r.messageId),
      results.map((r) => r.retrySeconds),
      results.map((r) => r.attemptsDelta),
      [...new Set(results.map((r) => r.editionId))],
    ]);
    return rows.map((r) => r.subscriber_id);
  }

  /** Finished (sent + failed + bounced) and bad (failed + bounced) rows of an edition, from its kept counts. */
  async failureStats(editionId: string): Promise<{ finished: number; bad: number }> {
    const [stats]: Array<{ finished: string; bad: string }> = await this.dataSource.query(
      `SELECT sent + failed + bounced AS finished, failed + bounced AS bad FROM edition_counts WHERE edition_id = $1`,
      [editionId],
    );
    return { finished: Number(stats?.finished ?? 0), bad: Number(stats?.bad ?? 0) };
  }

  /** Of these editions, those with no row queued or sending, with how many rows each has (0 when none). */
  async finishedEditions(editionIds: string[]): Promise<Array<{ editionId: string; rows: number }>> {
    const rows: Array<{ edition_id: string; rows: string }> = await this.dataSource.query(
      `SELECT e.id::text AS edition_id,
              coalesce(c.queued + c.sending + c.sent + c.failed + c.bounced + c.skipped, 0) AS rows
       FROM unnest($1::bigint[]) AS e(id) LEFT JOIN edition_counts c ON c.edition_id = e.id
       WHERE coalesce(c.queued + c.sending, 0) = 0`,
      [editionIds],
    );
    return rows.map((r) => ({ editionId: r.edition_id, rows: Number(r.rows) }));
  }

  /** queued → skipped for editions that will never send, saying why. */
  async skipQueued(editionIds: string[], reason: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE deliveries
       SET status = 'skipped', last_error = $2, lease_expires_at = NULL, updated_at = clock_timestamp()
       WHERE edition_id = ANY($1::bigint[]) AND status = 'queued'`,
      [editionIds, reason],
    );
  }

  /** Every row of one reader, oldest first. */
  historyOf(subscriberId: string): Promise<ReaderDelivery[]> {
    return this.dataSource.query(
      `SELECT edition_id::text AS "editionId", status, attempts, last_error AS "lastError",
              message_id AS "messageId", sent_at AS "sentAt", created_at AS "createdAt"
       FROM deliveries WHERE subscriber_id = $1 ORDER BY id`,
      [subscriberId],
    );
  }

  /**
   * The nightly recount: every edition's rows per status against its kept counts (one statement, so both are
   * read from one snapshot), and for each edition that drifted, a recount under a SHARE lock on the ledger (writers
   * wait the few milliseconds it takes) that replaces the kept counts. Editions whose rows expired keep their
   * counts. Null when another instance is running it.
   */
  async reconcileCounts(): Promise<EditionCountDrift[] | null> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await tryTransactionLock(manager, { space: LOCK_KEYS.countsReconciliation, name: 'editions' }))) {
        return null;
      }
      const kept = STATUS_COLUMNS.map((s) => `coalesce(c.${s}, 0)`).join(', ');
      const counted = STATUS_COLUMNS.map((s) => `coalesce(a.${s}, 0)`).join(', ');
      const drifted: Array<{ edition_id: string; kept: number[]; counted: number[] }> = await manager.query(
        `WITH actual AS (SELECT d.edition_id, ${COUNT_BY_STATUS} FROM deliveries d GROUP BY d.edition_id),
              kept AS (SELECT * FROM edition_counts WHERE rows_expired_at IS NULL)
         SELECT coalesce(a.edition_id, c.edition_id)::text AS edition_id,
                ARRAY[${kept}]::bigint[]::text[] AS kept, ARRAY[${counted}]::bigint[]::text[] AS counted
         FROM actual a FULL JOIN kept c ON c.edition_id = a.edition_id
         WHERE ARRAY[${kept}]::bigint[] <> ARRAY[${counted}]::bigint[]
           -- An edition whose rows are being removed (retention) keeps its counts as they were.
           AND NOT EXISTS (SELECT 1 FROM edition_counts x
                           WHERE x.edition_id = a.edition_id AND x.rows_expired_at IS NOT NULL)
         ORDER BY 1`,
      );
      if (drifted.length === 0) {
        return [];
      }
      await manager.query('LOCK TABLE deliveries IN SHARE MODE');
      await manager.query(
        `INSERT INTO edition_counts AS c (edition_id, ${STATUS_COLUMNS.join(', ')})
         SELECT e.id, ${COUNT_BY_STATUS}
         FROM unnest($1::bigint[]) AS e(id) LEFT JOIN deliveries d ON d.edition_id = e.id
         WHERE EXISTS (SELECT 1 FROM editions WHERE id = e.id)
         GROUP BY e.id
         ON CONFLICT (edition_id) DO UPDATE SET ${STATUS_COLUMNS.map((s) => `${s} = EXCLUDED.${s}`).join(', ')}`,
        [drifted.map((d) => d.edition_id)],
      );
      const byStatus = (values: number[]) =>
        Object.fromEntries(STATUS_COLUMNS.map((s, i) => [s, Number(values[i])])) as Record<DeliveryStatus, number>;
      return drifted.map((d) => ({ editionId: d.edition_id, kept: byStatus(d.kept), counted: byStatus(d.counted) }));
    });
  }

  /**
   * Editions whose rows have all finished (none queued or sending), not yet expired, whose last message went
   * (or, having sent none, whose rows were queued) before `cutoff`: up to `limit`, oldest first.
   */
  async expirableEditions(cutoff: Date, limit: number): Promise<string[]> {
    const rows: Array<{ edition_id: string }> = await this.dataSource.query(
      `SELECT edition_id::text FROM edition_counts
       WHERE rows_expired_at IS NULL AND queued = 0 AND sending = 0 AND coalesce(last_sent_at, created_at) < $1
       ORDER BY edition_id LIMIT $2`,
      [cutoff, limit],
    );
    return rows.map((r) => r.edition_id);
  }

  /**
   * Marks an edition's rows expired (its counts are then final: removing its rows leaves them), if it is
   * still finished and not yet marked. True when this call marked it.
   */
  async markRowsExpired(editionId: string, at: Date): Promise<boolean> {
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE edition_counts SET rows_expired_at = $2
         WHERE edition_id = $1 AND rows_expired_at IS NULL AND queued = 0 AND sending = 0
         RETURNING edition_id`,
        [editionId, at],
      ),
    );
    return rows.length > 0;
  }

  /** Editions marked expired that still have ledger rows (a removal cut short by a shutdown). */
  async expiredWithRows(limit: number): Promise<string[]> {
    const rows: Array<{ edition_id: string }> = await this.dataSource.query(
      `SELECT c.edition_id::text FROM edition_counts c
       WHERE c.rows_expired_at IS NOT NULL AND EXISTS (SELECT 1 FROM deliveries d WHERE d.edition_id = c.edition_id)
       ORDER BY c.edition_id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.edition_id);
  }

  /**
   * Removes up to `batch` ledger rows of an expired edition (their clicks and opens go with them: the kept
   * aggregates stay); returns how many. Only ever rows of an edition marked expired.
   */
  async deleteExpiredRows(editionId: string, batch: number): Promise<number> {
    const [row]: Array<{ n: number }> = await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM deliveries
         WHERE id = ANY(ARRAY(SELECT id FROM deliveries WHERE edition_id = $1 LIMIT $2)) AND edition_id = $1
           AND EXISTS (SELECT 1 FROM edition_counts WHERE edition_id = $1 AND rows_expired_at IS NOT NULL)
         RETURNING 1
       ) SELECT count(*)::int AS n FROM gone`,
      [editionId, batch],
    );
    return row.n;
  }
}

/** The typed parameters of audience_members(newsletter, articles, direct_links). */
function audienceParams(audience: Audience): [number, string | null, boolean] {
  return [
    audience.newsletterId,
    audience.articles ? JSON.stringify(audience.articles.map((a) => ({ id: a.id, topics: a.topics }))) : null,
    audience.directLinks,
  ];
}
