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

  // A mail queued inside another module's own statement (the signup's confirmation, one round trip) goes
  // through the database function enqueue_transactional_message (migration 1795647000000), this module's
  // interface for it: values in, no SQL text across modules.

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
