import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returnedRows } from '../database/returning';
import type { TransactionalStatus } from './transactional-message.entity';
import { LIVE_HOLDERS_SQL } from './worker-identity';

/** One email that is not a digest edition, complete (composed at enqueue time). */
export interface TransactionalMail {
  /** confirmation, welcome, reminder, sunset, editor-invitation, test-send */
  kind: string;
  /** The recipient; null records a `skipped` no-op row (nothing is ever sent for it). */
  to: string | null;
  subscriberId?: string | null;
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
  /** Where an email must go once (welcome:<reader>): a second enqueue with the key is a no-op. */
  dedupeKey?: string | null;
}

export interface EnqueuedMessage {
  id: string;
  dedupeKey: string | null;
  status: TransactionalStatus;
}

/** A transactional row a worker holds a lease on. */
export interface ClaimedMessage {
  id: string;
  kind: string;
  recipient: string;
  subscriber_id: string | null;
  attempts: number;
  message_key: string;
  subject: string;
  /** Null when the row is stored by template (then composed when sent). */
  html: string | null;
  text: string | null;
  headers: Record<string, string> | null;
  template: string | null;
  template_values: Record<string, string> | null;
}

export interface MessageResult {
  id: string;
  status: 'sent' | 'queued' | 'failed' | 'bounced';
  error: string | null;
  messageId: string | null;
  retrySeconds: number | null;
  /** 1 when an SMTP answer (or a connection error on this message) was recorded, 0 when nothing was tried. */
  attemptsDelta: 0 | 1;
}

/** Sent and skipped rows older than this are deleted (their bodies are long gone; the dedupe keys stay). */
const KEEP_DAYS = 30;

/**
 * transactional_messages' SQL, and the only code that changes a row's status: claims `FOR UPDATE SKIP
 * LOCKED` over the partial index of unfinished rows, leases, write-backs only of rows still `sending`.
 */
@Injectable()
export class TransactionalRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Inserts the messages in one statement, in the caller's transaction (`manager`); rows whose dedupe key
   * already exists are left out of the answer. A mail without recipient is stored `skipped`, without a body.
   */
  async insert(
    mails: TransactionalMail[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<EnqueuedMessage[]> {
    const skipped = mails.map((m) => m.to === null);
    const result: unknown = await manager.query(
      `INSERT INTO transactional_messages (kind, recipient, subscriber_id, status, dedupe_key, subject, html, text, headers)
       SELECT kind, recipient, subscriber_id, CASE WHEN skip THEN 'skipped' ELSE 'queued' END, dedupe_key,
              CASE WHEN skip THEN NULL ELSE subject END, CASE WHEN skip THEN NULL ELSE html END,
              CASE WHEN skip THEN NULL ELSE text END, headers
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::boolean[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::jsonb[]) AS m(kind, recipient, subscriber_id, skip, dedupe_key, subject, html, text, headers)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id::text, dedupe_key AS "dedupeKey", status`,
      [
        mails.map((m) => m.kind),
        mails.map((m) => m.to),
        mails.map((m, i) => (skipped[i] ? null : (m.subscriberId ?? null))),
        skipped,
        mails.map((m) => m.dedupeKey ?? null),
        mails.map((m) => m.subject),
        mails.map((m) => m.html),
        mails.map((m) => m.text),
        mails.map((m) => (m.headers ? JSON.stringify(m.headers) : null)),
      ],
    );
    return returnedRows<EnqueuedMessage>(result);
  }

  /**
   * Up to `limit` due rows: queued and due, or sending with a lapsed lease or a holder whose process is gone
   * (WorkerIdentity), stamped with `holder`.
   */
  async claim(limit: number, leaseSeconds: number, holder: number): Promise<ClaimedMessage[]> {
    const result: unknown = await this.dataSource.query(
      `WITH claimable AS (
         SELECT id FROM transactional_messages
         WHERE status IN ('queued', 'sending')
           AND ((status = 'queued' AND next_attempt_at <= clock_timestamp())
             OR (status = 'sending'
                 AND (lease_expires_at < clock_timestamp() OR claimed_by <> ALL (${LIVE_HOLDERS_SQL}))))
         ORDER BY id
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       )
       UPDATE transactional_messages t
       SET status = 'sending', claimed_by = $3, lease_expires_at = clock_timestamp() + make_interval(secs => $2),
           updated_at = clock_timestamp()
       WHERE t.id = ANY(ARRAY(SELECT id FROM claimable))
       RETURNING t.id::text, t.kind, t.recipient, t.subscriber_id::text, t.attempts, t.message_key::text, t.subject,
                 t.html, t.text, t.headers, t.template, t.template_values`,
      [limit, leaseSeconds, holder],
    );
    return returnedRows<ClaimedMessage>(result).sort((a, b) => Number(a.id) - Number(b.id));
  }

  async renewLeases(ids: string[], leaseSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE transactional_messages SET lease_expires_at = clock_timestamp() + make_interval(secs => $2)
       WHERE id = ANY($1::bigint[]) AND status = 'sending'`,
      [ids, leaseSeconds],
    );
  }

  /**
   * One row's result. `sentAt` comes from the app's Clock (the resend throttle and the reminder compare it with
   * the Clock); bodies and template values are cleared once the message is accepted or bounced, since they carry
   * tokens.
   */
  async writeBack(result: MessageResult, sentAt: Date): Promise<{ bouncedSubscriber: string | null }> {
    const answer: unknown = await this.dataSource.query(
      `UPDATE transactional_messages
       SET status = $2,
           lease_expires_at = NULL,
           last_error = CASE WHEN $6::int = 0 AND $3::text IS NULL THEN last_error ELSE $3 END,
           message_id = coalesce($4, message_id),
           sent_at = CASE WHEN $2 = 'sent' THEN $7::timestamptz ELSE sent_at END,
           next_attempt_at = CASE WHEN $5::int IS NULL THEN next_attempt_at
                                  ELSE clock_timestamp() + make_interval(secs => $5::int) END,
           attempts = attempts + $6::int,
           html = CASE WHEN $2 IN ('sent', 'bounced') THEN NULL ELSE html END,
           text = CASE WHEN $2 IN ('sent', 'bounced') THEN NULL ELSE text END,
           template_values = CASE WHEN $2 IN ('sent', 'bounced') THEN NULL ELSE template_values END,
           updated_at = clock_timestamp()
       WHERE id = $1 AND status = 'sending'
       RETURNING subscriber_id::text, status`,
      [result.id, result.status, result.error, result.messageId, result.retrySeconds, result.attemptsDelta, sentAt],
    );
    const [row] = returnedRows<{ subscriber_id: string | null; status: string }>(answer);
    return { bouncedSubscriber: row?.status === 'bounced' ? row.subscriber_id : null };
  }

  /** Deletes old finished rows (keeping the dedupe keys of once-only emails, so they never go twice). */
  async prune(): Promise<number> {
    const rows: Array<{ n: string }> = await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM transactional_messages
         WHERE created_at < clock_timestamp() - make_interval(days => $1)
           AND dedupe_key IS NULL AND status IN ('sent', 'skipped', 'bounced', 'failed')
         RETURNING 1
       ) SELECT count(*) AS n FROM gone`,
      [KEEP_DAYS],
    );
    return Number(rows[0].n);
  }
}
