import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ConsentRecord, Frequency, SubscriberStatus } from '../subscriber.entity';
import type { ImportFormat } from './csv-columns';
import { ImportRowError, ReaderImport } from './reader-import.entity';

/** At most this many refused rows are kept in the job row; `bad_rows` still counts them all. */
export const MAX_STORED_ERRORS = 1000;

/** One reader to insert, as the batch statement takes it. */
export interface ImportCandidate {
  email: string;
  emailKey: string;
  emailHash: string;
  frequency: Frequency;
  status: Extract<SubscriberStatus, 'pending' | 'active'>;
  consent: ConsentRecord & Record<string, unknown>;
  tokenHash: string | null;
  /** The row's own newsletters (a `newsletters` column); empty: the import's. */
  newsletters?: string[];
}

export interface BatchCounts {
  rowsRead: number;
  lastLine: number;
  importedPending: number;
  importedActive: number;
  skippedExisting: number;
  skippedSuppressed: number;
  errors: ImportRowError[];
}

/** The SQL of reader imports: the job row, and set-based inserts of one batch of readers. */
@Injectable()
export class ReaderImportRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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
   * Inserts one batch in a single statement; an address already known (in any form) is left as it is, and an
   * erased address (its hash on the suppression list) is never inserted. Returns the readers inserted.
   */
  async insertBatch(
    manager: EntityManager,
    rows: ImportCandidate[],
    confirmationExpiresAt: Date,
    now: Date,
    newsletters: string[] = [],
  ): Promise<Array<{ id: string; emailKey: string; status: SubscriberStatus }>> {
    if (rows.length === 0) {
      return [];
    }
    const inserted = (await manager.query(
      // Each imported reader subscribes to their row's newsletters (a `newsletters` column), else to the import's,
      // or (none chosen) to their frequency's digest and the breaking alerts (what a reader of that frequency got
      // before newsletters), with the import's consent.
      `WITH inserted AS (
         INSERT INTO subscribers (email, email_key, status, frequency, consent, confirmation_token_hash,
                                  confirmation_expires_at, confirmed_at)
         SELECT i.email, i.email_key, i.status, i.frequency, i.consent, i.token_hash,
                CASE WHEN i.status = 'pending' THEN $7::timestamptz END,
                CASE WHEN i.status = 'active' THEN $8::timestamptz END
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $9::text[])
              AS i(email, email_key, status, frequency, consent, token_hash, email_hash)
         WHERE NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.email_hash = i.email_hash)
         ON CONFLICT (email_key) DO NOTHING
         RETURNING id, email_key, status, frequency, consent
       ), subscribed AS (
         INSERT INTO subscriptions (subscriber_id, newsletter_id, status, consent)
         SELECT r.id, n.id, 'active', r.consent FROM inserted r
           JOIN unnest($2::text[], $11::text[]) AS own(email_key, slugs) ON own.email_key = r.email_key
           JOIN newsletters n ON n.slug = ANY(CASE WHEN own.slugs <> '' THEN string_to_array(own.slugs, ',')
                                                   WHEN cardinality($10::text[]) > 0 THEN $10::text[]
                                                   ELSE ARRAY[r.frequency, 'breaking'] END)
       )
       SELECT id, email_key AS "emailKey", status FROM inserted`,
      [
        rows.map((r) => r.email),
        rows.map((r) => r.emailKey),
        rows.map((r) => r.status),
        rows.map((r) => r.frequency),
        rows.map((r) => JSON.stringify(r.consent)),
        rows.map((r) => r.tokenHash),
        confirmationExpiresAt,
        now,
        rows.map((r) => r.emailHash),
        newsletters,
        rows.map((r) => (r.newsletters ?? []).join(',')),
      ],
    )) as Array<{ id: string; emailKey: string; status: SubscriberStatus }>;
    return inserted;
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
    await manager.query(
      `UPDATE subscribers SET confirmation_sent_at = $2, updated_at = now()
       WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
      [subscriberIds, now],
    );
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

  async replaceToken(manager: EntityManager, subscriberId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await manager.query(
      `UPDATE subscribers SET confirmation_token_hash = $2, confirmation_expires_at = $3, updated_at = now()
       WHERE id = $1 AND status = 'pending'`,
      [subscriberId, tokenHash, expiresAt],
    );
  }

  async finish(id: string, status: 'done' | 'failed', failure: string | null, now: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE reader_imports SET status = $2, failure = $3, finished_at = $4, file_path = NULL, updated_at = now()
       WHERE id = $1`,
      [id, status, failure, now],
    );
  }
}
