import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/clock';
import { errorMessage } from '../common/error-message';
import { PeriodicJob } from '../common/periodic-job';
import { AppConfig } from '../config/app-config';
import { DeliveryRepository } from './delivery.repository';
import { type DroppedPartition, LedgerPartitions } from './ledger-partitions';

export const DELIVERY_RETENTION_NAME = 'delivery-retention';
/** 03:40 in TIMEZONE, after the counts' recount. */
const RETENTION_CRON = '40 3 * * *';
const DAY_MS = 24 * 3600_000;
/** Ledger rows removed per statement: short transactions, a small transition table for the counts' trigger. */
const DELETE_BATCH = 5_000;
/** Editions expired per run (a backlog is worked off over the following nights). */
const EDITIONS_PER_RUN = 50;

export interface RetentionRun {
  /** Editions this run marked expired. */
  editions: string[];
  /** Per-reader ledger rows removed: in dropped partitions and deleted one by one. */
  rows: number;
  /** Ledger partitions dropped whole. */
  partitions: string[];
}

/**
 * A ledger with an end: every night, finished editions whose last message went more than
 * DELIVERY_RETENTION_DAYS ago lose their per-reader rows (deliveries, and with them clicks and opens). What the
 * newsroom shows of them stays: their counts per status (edition_counts, marked final first so the removal does
 * not change them), clicks per link, readers who clicked, opens and clicks per hour (kept aggregates), and each
 * reader's last engagement (subscribers.last_engaged_at). Resumable: an edition marked expired whose removal a
 * shutdown cut short is finished on the next run. A daily digest to a million readers otherwise adds 30 million
 * rows a month.
 *
 * The ledger is partitioned by edition (LedgerPartitions): a partition whose editions have all expired is
 * detached and dropped whole, in milliseconds and without dead rows to vacuum; only expired editions that share
 * a partition with a live one (or sit in the DEFAULT partition) lose their rows by DELETE, in batches.
 */
@Injectable()
export class DeliveryRetention implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryRetention.name);
  private readonly job = new PeriodicJob<RetentionRun>({
    name: DELIVERY_RETENTION_NAME,
    work: () => this.expire(),
    logger: this.logger,
    failure: (err) => `Delivery retention run failed: ${errorMessage(err)}`,
  });

  constructor(
    private readonly ledger: DeliveryRepository,
    private readonly partitions: LedgerPartitions,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runsBackgroundWork) {
      this.job.scheduleCron(this.scheduler, RETENTION_CRON, this.config.publication.timeZone);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** One run (the cron's work; tests call it under the fake clock). */
  runOnce(): Promise<RetentionRun> {
    return this.job.run();
  }

  private async expire(): Promise<RetentionRun> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - this.config.delivery.retentionDays * DAY_MS);
    const unfinished = await this.ledger.expiredWithRows(EDITIONS_PER_RUN);
    const marked: string[] = [];
    for (const id of await this.ledger.expirableEditions(cutoff, EDITIONS_PER_RUN)) {
      if (await this.ledger.markRowsExpired(id, now)) {
        marked.push(id);
      }
    }
    const dropped: DroppedPartition[] = [];
    for (const partition of await this.partitions.expired()) {
      if (this.job.stopped) {
        return this.outcome(marked, dropped, 0);
      }
      try {
        const gone = await this.partitions.drop(partition);
        if (gone) {
          dropped.push(gone);
          this.logger.log(
            `Ledger partition ${gone.name} dropped: ${gone.editions} expired edition(s), ${gone.rows} per-reader rows; counts kept`,
          );
        }
      } catch (err) {
        // Its editions' rows go by DELETE below, or on the next night's try.
        this.logger.warn(`Ledger partition ${partition.name} not dropped: ${errorMessage(err)}`);
      }
    }
    const inDropped = (id: string) =>
      dropped.some((p) => BigInt(p.first) <= BigInt(id) && BigInt(id) <= BigInt(p.last));
    let deleted = 0;
    for (const id of [...unfinished, ...marked].filter((e) => !inDropped(e))) {
      let removed: number;
      do {
        if (this.job.stopped) {
          return this.outcome(marked, dropped, deleted);
        }
        removed = await this.ledger.deleteExpiredRows(id, DELETE_BATCH);
        deleted += removed;
      } while (removed === DELETE_BATCH);
      this.logger.log(`Edition ${id}: per-reader delivery rows removed (older than the retention); counts kept`);
    }
    const run = this.outcome(marked, dropped, deleted);
    if (marked.length + unfinished.length + dropped.length > 0) {
      this.logger.log(
        `Delivery retention: ${marked.length} edition(s) expired; ${dropped.length} ledger partition(s) dropped ` +
          `(${run.rows - deleted} rows); ${deleted} rows deleted from partitions still in use`,
      );
    }
    return run;
  }

  private outcome(marked: string[], dropped: DroppedPartition[], deleted: number): RetentionRun {
    return {
      editions: marked,
      rows: deleted + dropped.reduce((sum, p) => sum + p.rows, 0),
      partitions: dropped.map((p) => p.name),
    };
  }
}
