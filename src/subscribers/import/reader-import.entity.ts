import { Column, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Frequency } from '../subscriber.entity';
import type { ImportFormat } from './csv-columns';

export type ReaderImportStatus = 'running' | 'done' | 'failed';

/** A refused row of an import file, by its line number in the file (the header is line 1). */
export interface ImportRowError {
  line: number;
  reason: string;
}

/** One CSV import of readers: its progress, updated per committed batch, and its final report. */
@Entity('reader_imports')
export class ReaderImport {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('text', { default: 'running' })
  status: ReaderImportStatus;

  @Column('text', { name: 'file_name' })
  fileName: string;

  /** The uploaded file while the import runs (kept so a restarted process can resume); null once finished. */
  @Column('text', { name: 'file_path', nullable: true })
  filePath: string | null;

  /** Frequency of readers whose row does not say. */
  @Column('text', { default: 'daily' })
  frequency: Frequency;

  /** Slugs of the newsletters every reader of the file subscribes to; empty: their frequency's digest and alerts. */
  @Column('text', { array: true, default: () => "'{}'" })
  newsletters: string[];

  /** The editor chose to trust confirmed consent recorded in the file (else every reader confirms again). */
  @Column('boolean', { name: 'trust_consent', default: false })
  trustConsent: boolean;

  @Column('text', { nullable: true })
  format: ImportFormat | null;

  @Column('integer', { name: 'rows_read', default: 0 })
  rowsRead: number;

  /** The last line of the file whose batch is committed: a resumed import starts after it. */
  @Column('integer', { name: 'last_line', default: 0 })
  lastLine: number;

  @Column('integer', { name: 'imported_pending', default: 0 })
  importedPending: number;

  @Column('integer', { name: 'imported_active', default: 0 })
  importedActive: number;

  @Column('integer', { name: 'skipped_existing', default: 0 })
  skippedExisting: number;

  @Column('integer', { name: 'skipped_suppressed', default: 0 })
  skippedSuppressed: number;

  @Column('integer', { name: 'bad_rows', default: 0 })
  badRows: number;

  @Column('integer', { name: 'confirmations_sent', default: 0 })
  confirmationsSent: number;

  @Column('integer', { name: 'confirmations_failed', default: 0 })
  confirmationsFailed: number;

  /** The first refused rows (at most MAX_STORED_ERRORS; `badRows` counts them all). */
  @Column('jsonb', { default: () => "'[]'" })
  errors: ImportRowError[];

  /** Why the whole import stopped (unreadable file), when it did. */
  @Column('text', { nullable: true })
  failure: string | null;

  @Column('text', { name: 'started_by' })
  startedBy: string;

  @Column('timestamptz', { name: 'started_at', default: () => 'now()' })
  startedAt: Date;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
