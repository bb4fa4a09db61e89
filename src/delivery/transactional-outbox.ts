import { queryPrepared } from '../database/prepared';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { TransactionalStatus } from './transactional-message.entity';
import { type EnqueuedMessage, type TransactionalMail, TransactionalRepository } from './transactional-repository';

export type { EnqueuedMessage, TransactionalMail } from './transactional-repository';

/**
 * The transactional outbox's front door. `enqueue` takes the caller's transaction (an EntityManager), so the
 * message row commits or rolls back with the change that causes it: a confirmation with its signup, a welcome
 * with its confirmation. TransactionalWorker sends the rows; nothing is ever sent from a request's memory.
 */
@Injectable()
export class TransactionalOutbox {
  private readonly listeners = new Set<() => void>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly messages: TransactionalRepository,
  ) {}

  /**
   * Inserts the messages in one statement; rows whose dedupe key already exists are left out of the answer.
   * Call `wake()` after the caller's transaction commits so a worker in this process starts at once.
   */
  async enqueue(
    mails: TransactionalMail[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<EnqueuedMessage[]> {
    if (mails.length === 0) {
      return [];
    }
    return this.messages.insert(mails, manager);
  }

  /**
   * Queues one mail in the same statement as the caller's own change, for a hot path where a transaction's
   * extra round trips (BEGIN, a second statement, COMMIT) are most of the cost: `source` is a SELECT (it may
   * read data-modifying CTEs written before it in `with`) answering one row with `subscriber_id` (bigint or
   * null) and `send` (boolean); the mail is queued when `send` is true, else a `skipped` no-op row without
   * address or body is written, so both outcomes do the same work. Answers the source row's columns.
   * `with` and `source` use parameters $1…$n (`params`); the mail's values follow them.
   *
   * The mail is either composed (html, text) or a template and its per-reader values (`template`), which the
   * worker composes when it sends it (MessageTemplates): a few bytes instead of a whole email in the statement.
   */
  async enqueueWith<T extends object>(
    query: { with: string; source: string; params: unknown[] },
    mail: Omit<TransactionalMail, 'to' | 'subscriberId' | 'html' | 'text'> & { to: string } & (
        | { html: string; text: string; template?: undefined }
        | { template: { name: string; values: Record<string, string> }; html?: undefined; text?: undefined }
      ),
  ): Promise<T & { send: boolean }> {
    const n = query.params.length;
    const p = (i: number) => `$${n + i}`;
    // Prepared: the signup runs this on every request, and its text never changes (queryPrepared).
    const [row] = await queryPrepared<T & { send: boolean }>(
      this.dataSource,
      `WITH ${query.with},
       source AS (${query.source}),
       queued AS (
         INSERT INTO transactional_messages (kind, recipient, subscriber_id, status, dedupe_key, subject, html, text, headers,
                                             template, template_values)
         SELECT ${p(1)}, CASE WHEN send THEN ${p(2)} END, CASE WHEN send THEN subscriber_id END,
                CASE WHEN send THEN 'queued' ELSE 'skipped' END, ${p(3)}, CASE WHEN send THEN ${p(4)} END,
                CASE WHEN send THEN ${p(5)} END, CASE WHEN send THEN ${p(6)} END, ${p(7)}::jsonb,
                CASE WHEN send THEN ${p(8)} END, CASE WHEN send THEN ${p(9)}::jsonb END
         FROM source
         ON CONFLICT (dedupe_key) DO NOTHING
       )
       SELECT * FROM source`,
      [
        ...query.params,
        mail.kind,
        mail.to,
        mail.dedupeKey ?? null,
        mail.subject,
        mail.html ?? null,
        mail.text ?? null,
        mail.headers ? JSON.stringify(mail.headers) : null,
        mail.template?.name ?? null,
        mail.template ? JSON.stringify(mail.template.values) : null,
      ],
    );
    return row;
  }

  /** Lets a worker in this process start at once (other processes find the rows at their next poll). */
  wake(): void {
    this.listeners.forEach((wake) => wake());
  }

  onWork(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The status of these messages, by id (the newsroom tells an editor whether a test send has left). */
  async statuses(ids: string[]): Promise<Map<string, TransactionalStatus>> {
    const rows: Array<{ id: string; status: TransactionalStatus }> = await this.dataSource.query(
      `SELECT id::text, status FROM transactional_messages WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  /**
   * Waits (up to `timeoutMs`) until these messages are no longer queued or sending; returns their statuses.
   * For a short "sent / still queued" answer to an editor, never for reader requests.
   */
  async settled(ids: string[], timeoutMs: number): Promise<Map<string, TransactionalStatus>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const statuses = await this.statuses(ids);
      const open = [...statuses.values()].some((s) => s === 'queued' || s === 'sending');
      if (!open || Date.now() >= deadline) {
        return statuses;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Resolves when no message is due or in flight (shutdown; tests), or after `timeoutMs`. */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // After shutdown there is nothing left to wait for.
    while (Date.now() < deadline && this.dataSource.isInitialized) {
      const [row]: Array<{ busy: boolean }> = await this.dataSource.query(
        `SELECT EXISTS (SELECT 1 FROM transactional_messages
                         WHERE status = 'sending' OR (status = 'queued' AND next_attempt_at <= clock_timestamp())) AS busy`,
      );
      if (!row.busy) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
