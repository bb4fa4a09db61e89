import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Frequency, SubscriberStatus } from '../subscriber.entity';
import { SubscribersRepository, type ImportCandidate } from '../subscribers.repository';
import type { ImportFormat } from './csv-columns';
import { ImportRowError, ReaderImport } from './reader-import.entity';

/** At most this many refused rows are kept in the job row; `bad_rows` still counts them all. */
export const MAX_STORED_ERRORS = 1000;

export type { ImportCandidate } from '../subscribers.repository';

export interface BatchCounts {
  rowsRead: number;
  lastLine: number;
  importedPending: number;
  importedActive: number;
  skippedExisting: number;
  skippedSuppressed: number;
  errors: ImportRowError[];
}

/**
 * The SQL of reader imports: the job row (`reader_imports`). The readers themselves are written by their owner,
 * SubscribersRepository (one set-based insert per batch).
 */
@Injectable()
export class ReaderImportRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly readers: SubscribersRepository,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async create(job: {
    fileName: string;
    filePath: string;
    frequency: Frequency;
    newsletters: string[];
    trustConsent: boolean;
    startedBy: string;
  }): Promise<ReaderImport> {
    const repo = this.dataSource.getRepository(ReaderImport);
    return repo.save(repo.create({ ...job, status: 'running' }));
  }

  setFile(id: string, filePath: string | null, format?: ImportFormat): Promise<unknown> {
    return this.dataSource.query(
      'UPDATE reader_imports SET file_path = $2, format = COALESCE($3, format), updated_at = now() WHERE id = $1',
      [id, filePath, format ?? null],
    );
  }

  find(id: string): Promise<ReaderImport | null> {
    return /^\d{1,18}$/.test(id)
      ? this.dataSource.getRepository(ReaderImport).findOneBy({ id })
      : Promise.resolve(null);
  }

  recent(limit: number): Promise<ReaderImport[]> {
    return this.dataSource.getRepository(ReaderImport).find({ order: { id: 'DESC' }, take: limit });
  }

  /** Running imports nobody has advanced for a while: left behind by a process that stopped. */
  async claimAbandoned(staleSeconds: number): Promise<ReaderImport[]> {
    const [rows] = (await this.dataSource.query(
      `UPDATE reader_imports SET updated_at = now()
       WHERE status = 'running' AND updated_at < now() - make_interval(secs => $1) RETURNING id`,
      [staleSeconds],
    )) as [Array<{ id: string }>, number];
    return rows.length ? this.dataSource.getRepository(ReaderImport).findBy(rows.map((r) => ({ id: r.id }))) : [];
  }

  /**
   * Inserts one batch in a single statement (SubscribersRepository.importBatch); an address already known (in
   * any form) is left as it is, and an erased address is never inserted. Returns the readers inserted.
   */
  insertBatch(
    manager: EntityManager,
    rows: ImportCandidate[],
    confirmationExpiresAt: Date,
    now: Date,
    newsletters: string[] = [],
  ): Promise<Array<{ id: string; emailKey: string; status: SubscriberStatus }>> {
    return this.readers.importBatch(manager, rows, confirmationExpiresAt, now, newsletters);
  }

  /** Of these addresses, those on the suppression list (by hash) and the status of those already readers. */
  async known(
    manager: EntityManager,
    keys: string[],
    hashes: string[],
  ): Promise<{ suppressedHashes: Set<string>; statusByKey: Map<string, SubscriberStatus> }> {
    const suppressed = (await manager.query('SELECT email_hash FROM suppressions WHERE email_hash = ANY($1::text[])', [
      hashes,
    ])) as Array<{ email_hash: string }>;
    const existing = (await manager.query(
      'SELECT email_key, status FROM subscribers WHERE email_key = ANY($1::text[])',
      [keys],
    )) as Array<{ email_key: string; status: SubscriberStatus }>;
    return {
      suppressedHashes: new Set(suppressed.map((r) => r.email_hash)),
      statusByKey: new Map(existing.map((r) => [r.email_key, r.status])),
    };
  }

  /** Adds one committed batch to the job's counts, in the batch's transaction: counts never run ahead. */
  async recordBatch(manager: EntityManager, id: string, counts: BatchCounts): Promise<void> {
    await manager.query(
      `UPDATE reader_imports SET
         rows_read = rows_read + $2, last_line = GREATEST(last_line, $3),
         imported_pending = imported_pending + $4, imported_active = imported_active + $5,
         skipped_existing = skipped_existing + $6, skipped_suppressed = skipped_suppressed + $7,
         bad_rows = bad_rows + $8,
         errors = CASE WHEN jsonb_array_length(errors) >= $10 THEN errors
                  ELSE (SELECT COALESCE(jsonb_agg(e), '[]'::jsonb) FROM (
                          SELECT e FROM jsonb_array_elements(errors || $9::jsonb) e LIMIT $10) limited) END,
         updated_at = now()
       WHERE id = $1`,
      [
        id,
        counts.rowsRead,
        counts.lastLine,
        counts.importedPending,
        counts.importedActive,
        counts.skippedExisting,
        counts.skippedSuppressed,
        counts.errors.length,
        JSON.stringify(counts.errors),
        MAX_STORED_ERRORS,
      ],
    );
  }

  /**
   * Marks these readers' confirmation as queued (in the transaction that queues them in the outbox) and counts
   * them on the import.
   */
  async confirmationsQueued(manager: EntityManager, id: string, subscriberIds: string[], now: Date): Promise<void> {
    if (subscriberIds.length === 0) {
      return;
    }
    await this.readers.markConfirmationsSent(manager, subscriberIds, now);
    await manager.query(
      `UPDATE reader_imports SET confirmations_sent = confirmations_sent + $2, updated_at = now() WHERE id = $1`,
      [id, subscriberIds.length],
    );
  }

  /**
   * Readers this import inserted as pending whose confirmation never left (a crash between commit and send):
   * each gets a fresh token, since only the old one's hash was kept.
   */
  async unmailed(id: string): Promise<Array<{ id: string; email: string }>> {
    return (await this.dataSource.query(
      `SELECT id, email FROM subscribers
       WHERE status = 'pending' AND confirmation_sent_at IS NULL AND consent->>'importId' = $1 ORDER BY id`,
      [id],
    )) as Array<{ id: string; email: string }>;
  }

  replaceToken(manager: EntityManager, subscriberId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    return this.readers.replaceToken(manager, subscriberId, tokenHash, expiresAt);
  }

  async finish(id: string, status: 'done' | 'failed', failure: string | null, now: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE reader_imports SET status = $2, failure = $3, finished_at = $4, file_path = NULL, updated_at = now()
       WHERE id = $1`,
      [id, status, failure, now],
    );
  }
}
