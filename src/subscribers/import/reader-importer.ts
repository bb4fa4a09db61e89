import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { hashToken, newToken } from '../../common/secure-token';
import { AppConfig } from '../../config/app-config';
import type { Frequency } from '../subscriber.entity';
import { NewslettersRepository } from '../newsletters.repository';
import { Suppressions } from '../suppressions';
import { ColumnMap, detectColumns, ImportRow, readRow } from './csv-columns';
import { csvLines, CsvLine, MAX_RECORD_BYTES } from './csv-lines';
import { ImportConfirmations } from './import-confirmations';
import { ImportRowError, ReaderImport } from './reader-import.entity';
import { BatchCounts, ImportCandidate, ReaderImportRepository } from './reader-import.repository';

const BATCH_SIZE = 500;
/** A running import not advanced for this long belongs to a process that stopped; it is resumed. */
const ABANDONED_AFTER_SECONDS = 120;

export interface StartImport {
  /** The uploaded file on local disk; the importer moves it under VAR_DIR/imports. */
  uploadedPath: string;
  fileName: string;
  frequency: Frequency;
  /** Slugs of the newsletters every reader of the file subscribes to; none: their frequency's digest and alerts. */
  newsletters?: string[];
  trustConsent: boolean;
  startedBy: string;
}

class ImportFailure extends Error {}

/** What an editor reads for a line that is not a record. */
const LINE_ERRORS: Record<Extract<CsvLine, { error: string }>['error'], string> = {
  bad_quotes: 'سطر CSV غير صالح (علامة اقتباس غير مغلقة أو في غير موضعها)',
  too_long: `سطر أطول من ${MAX_RECORD_BYTES / 1024} كيلوبايت`,
};

/**
 * Imports readers from a CSV exported by Mailchimp, listmonk, Substack or a plain list. The file is streamed
 * line by line (csv-lines.ts: never read whole, a bad line never spoils the next), in batches of BATCH_SIZE inserted with one statement each. The batch,
 * its counts and the last line it covers commit together, so a process that stops mid-file resumes after the
 * last committed batch, and a file imported twice adds nothing (unique email key, ON CONFLICT DO NOTHING).
 * New readers are `pending` and get the confirmation email, unless the editor chose to trust consent the file
 * records and the row proves a confirmed double opt-in (then they are `active`, the evidence kept in consent).
 */
@Injectable()
export class ReaderImporter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReaderImporter.name);
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly repository: ReaderImportRepository,
    private readonly confirmations: ImportConfirmations,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly newsletters: NewslettersRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.servesHttp) {
      return; // imports run where they were uploaded: the web process that holds the file
    }
    setImmediate(() => void this.resumeAbandoned());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Records the job, keeps the file, and imports in the background; the job row shows progress. */
  async start(request: StartImport): Promise<ReaderImport> {
    const dir = join(this.config.varDir, 'imports');
    await mkdir(dir, { recursive: true });
    const job = await this.repository.create({
      fileName: request.fileName.slice(0, 200),
      filePath: request.uploadedPath,
      frequency: request.frequency,
      newsletters: request.newsletters ?? [],
      trustConsent: request.trustConsent,
      startedBy: request.startedBy,
    });
    const kept = join(dir, `${job.id}.csv`);
    await rename(request.uploadedPath, kept).catch(async () => {
      await copyFile(request.uploadedPath, kept); // another file system (os.tmpdir on tmpfs)
      await unlink(request.uploadedPath);
    });
    await this.repository.setFile(job.id, kept);
    job.filePath = kept;
    this.logger.log(`Import ${job.id} started by ${request.startedBy}: ${job.fileName}`);
    this.launch(job);
    return job;
  }

  /** Resolves when this import (or every one, without an id) is no longer running here (tests, shutdown). */
  async settled(id?: string): Promise<void> {
    const jobs = id ? [this.running.get(id)] : [...this.running.values()];
    await Promise.allSettled(jobs.filter(Boolean));
  }

  private launch(job: ReaderImport): void {
    const work = this.run(job).finally(() => this.running.delete(job.id));
    this.running.set(job.id, work);
  }

  /** Picks up imports a stopped process left running (at start-up; resolves once they are launched). */
  async resumeAbandoned(): Promise<void> {
    try {
      for (const job of await this.repository.claimAbandoned(ABANDONED_AFTER_SECONDS)) {
        if (job.filePath && existsSync(job.filePath)) {
          this.logger.log(`Import ${job.id}: resuming after line ${job.lastLine}`);
          this.launch(job);
        } else {
          await this.repository.finish(
            job.id,
            'failed',
            'توقف الاستيراد ولم يعد الملف موجوداً؛ أعد رفعه (لن يُكرَّر أحد)',
            this.clock.now(),
          );
        }
      }
    } catch (err) {
      this.logger.error(`Could not resume imports: ${(err as Error).message}`);
    }
  }

  private async run(job: ReaderImport): Promise<void> {
    const started = Date.now();
    const progress = { rows: 0, imported: 0 };
    try {
      await this.confirmations.remailUnsent(job);
      // A `newsletters` column may name only newsletters readers can join (active ones).
      const offered = new Set((await this.newsletters.list()).map((n) => n.slug));
      let map: ColumnMap | null = null;
      let batch: Array<{ line: number; row: ImportRow }> = [];
      const skipped: ImportRowError[] = [];
      // Our own line reader rather than csv-parse: csv-parse let an unclosed quote swallow the rest of the file
      // (a 20,000-row file ended as "done" after 1 row) and held a 30 MB line whole; here each bad line is
      // reported with its number and reading goes on at the next.
      const lines = csvLines(createReadStream(job.filePath!));
      const flush = async () => {
        const counts = await this.commit(job, batch, skipped.splice(0), offered);
        progress.rows += counts.rowsRead;
        progress.imported += counts.importedPending + counts.importedActive;
        batch = [];
        const seconds = Math.max((Date.now() - started) / 1000, 0.001);
        this.logger.log(
          `Import ${job.id}: ${progress.rows} rows read, ${progress.imported} imported, ` +
            `${counts.skippedExisting} existing / ${counts.skippedSuppressed} suppressed / ${counts.errors.length} bad ` +
            `in this batch, ${Math.round(progress.rows / seconds)} rows/s`,
        );
      };
      for await (const read of lines) {
        if (this.stopped) {
          this.logger.warn(`Import ${job.id}: stopping at shutdown; it resumes after line ${job.lastLine}`);
          return;
        }
        if ('error' in read) {
          if (!map) {
            throw new ImportFailure('السطر الأول ليس سطر CSV صالحاً (علامات اقتباس أو طول زائد)');
          }
          if (read.line > job.lastLine) {
            skipped.push({ line: read.line, reason: LINE_ERRORS[read.error] });
            if (skipped.length >= BATCH_SIZE) {
              await flush();
            }
          }
          continue;
        }
        const record = read.cells;
        if (!map) {
          map = detectColumns(record);
          if (!map) {
            throw new ImportFailure('لم يُعثر على عمود البريد الإلكتروني في السطر الأول (Email Address أو email)');
          }
          if (!job.format) {
            await this.repository.setFile(job.id, job.filePath, map.format);
            job.format = map.format;
          }
          if (map.hasHeader) {
            continue;
          }
        }
        if (read.line <= job.lastLine) {
          continue; // committed before a restart
        }
        batch.push({ line: read.line, row: readRow(record, map) });
        if (batch.length >= BATCH_SIZE) {
          await flush();
        }
      }
      if (!map) {
        throw new ImportFailure('الملف فارغ');
      }
      await flush();
      await this.repository.finish(job.id, 'done', null, this.clock.now());
      await unlink(job.filePath!).catch(() => undefined);
      this.logger.log(
        `Import ${job.id} done: ${progress.rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
          `${progress.imported} imported`,
      );
    } catch (err) {
      const message =
        err instanceof ImportFailure ? err.message : `تعذّر إكمال الاستيراد: ${(err as Error).message.slice(0, 200)}`;
      this.logger.error(`Import ${job.id} failed: ${(err as Error).message}`);
      await this.repository.finish(job.id, 'failed', message, this.clock.now()).catch(() => undefined);
      if (job.filePath) {
        await unlink(job.filePath).catch(() => undefined);
      }
    }
  }

  /** Inserts one batch, records it and queues the new pending readers' confirmations, in one transaction. */
  private async commit(
    job: ReaderImport,
    batch: Array<{ line: number; row: ImportRow }>,
    parseErrors: ImportRowError[],
    offered: ReadonlySet<string>,
  ): Promise<BatchCounts> {
    const now = this.clock.now();
    const counts: BatchCounts = {
      rowsRead: batch.length + parseErrors.length,
      lastLine: Math.max(job.lastLine, ...batch.map((b) => b.line), ...parseErrors.map((e) => e.line)),
      importedPending: 0,
      importedActive: 0,
      skippedExisting: 0,
      skippedSuppressed: 0,
      errors: [...parseErrors],
    };
    const candidates = new Map<string, ImportCandidate>();
    const tokens = new Map<string, string>();
    for (const { line, row } of batch) {
      const unknown = row.ok ? row.newsletters.find((slug) => !offered.has(slug)) : undefined;
      if (!row.ok) {
        counts.errors.push({ line, reason: row.reason });
      } else if (unknown !== undefined) {
        counts.errors.push({ line, reason: `لا توجد نشرة بالمعرّف ${unknown}` });
      } else if (row.refusedBySource) {
        counts.skippedSuppressed++;
      } else if (candidates.has(row.address.key)) {
        counts.skippedExisting++; // the same address twice in the file
      } else {
        const active = job.trustConsent && row.confirmedAt !== null;
        const token = active ? null : newToken();
        if (token) {
          tokens.set(row.address.key, token);
        }
        candidates.set(row.address.key, {
          email: row.address.email,
          emailKey: row.address.key,
          emailHash: Suppressions.hash(row.address.key),
          frequency: row.frequency ?? job.frequency,
          status: active ? 'active' : 'pending',
          tokenHash: token ? hashToken(token) : null,
          newsletters: row.newsletters,
          consent: {
            at: now.toISOString(),
            page: null,
            ip: null,
            userAgent: null,
            wording: `Imported by ${job.startedBy} from ${job.fileName} (${job.format ?? 'csv'})`,
            source: 'import',
            importId: job.id,
            optinAt: row.optinAt,
            confirmedAt: row.confirmedAt,
          },
        });
      }
    }
    counts.errors.sort((a, b) => a.line - b.line);
    const rows = [...candidates.values()];
    const expires = new Date(now.getTime() + this.config.readers.confirmTokenTtlHours * 3600_000);
    await this.repository.transaction(async (manager) => {
      const fresh = await this.repository.insertBatch(manager, rows, expires, now, job.newsletters);
      const insertedKeys = new Set(fresh.map((r) => r.emailKey));
      const rest = rows.filter((r) => !insertedKeys.has(r.emailKey));
      const known = await this.repository.known(
        manager,
        rest.map((r) => r.emailKey),
        rest.map((r) => r.emailHash),
      );
      for (const r of rest) {
        const status = known.statusByKey.get(r.emailKey);
        if (known.suppressedHashes.has(r.emailHash) || (status && !['pending', 'active'].includes(status))) {
          counts.skippedSuppressed++; // erased, unsubscribed, bounced or complained: never re-added by a file
        } else {
          counts.skippedExisting++;
        }
      }
      counts.importedPending = fresh.filter((r) => r.status === 'pending').length;
      counts.importedActive = fresh.length - counts.importedPending;
      await this.repository.recordBatch(manager, job.id, counts);
      const toMail = fresh
        .filter((r) => r.status === 'pending')
        .map((r) => ({ id: String(r.id), email: candidates.get(r.emailKey)!.email, token: tokens.get(r.emailKey)! }));
      await this.confirmations.queue(manager, job, toMail);
    });
    this.confirmations.wake();
    job.lastLine = counts.lastLine;
    return counts;
  }
}
