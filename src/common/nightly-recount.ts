import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { errorMessage } from './error-message';
import { PeriodicJob } from './periodic-job';

export interface NightlyRecountOptions<Drift> {
  /** The job's name (scheduler entry, the lock PeriodicJob takes). */
  name: string;
  /** When, in TIMEZONE. */
  cron: string;
  /** What is recounted, for the log: `Edition counts` → "Edition counts reconciled: …", "… reconciliation failed". */
  what: string;
  /** What one drift is, for the summary line: `edition(s)`, `figure(s)`. */
  unit: string;
  /** The warning logged for one drift. */
  describe: (drift: Drift) => string;
}

/**
 * A nightly recount of kept counts (counts kept, not computed; see CONVENTIONS): scheduled on instances that run
 * background work, stopped at shutdown, each drift logged and a summary line once a recount ran. Subclasses write
 * only `recount()`: the drifts found (and corrected), or null when another instance was running it.
 */
export abstract class NightlyRecount<Drift> implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private readonly job: PeriodicJob<Drift[] | null>;

  protected constructor(
    private readonly options: NightlyRecountOptions<Drift>,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: AppConfig,
  ) {
    this.job = new PeriodicJob<Drift[] | null>({
      name: options.name,
      work: () => this.reconcile(),
      logger: this.logger,
      failure: (err) => `${options.what} reconciliation failed: ${errorMessage(err)}`,
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.runsBackgroundWork) {
      this.job.scheduleCron(this.scheduler, this.options.cron, this.config.publication.timeZone);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** One recount (the cron's work; tests call it). Null when another instance was running it. */
  runOnce(): Promise<Drift[] | null> {
    return this.job.run();
  }

  protected abstract recount(): Promise<Drift[] | null>;

  private async reconcile(): Promise<Drift[] | null> {
    const drifts = await this.recount();
    for (const d of drifts ?? []) {
      this.logger.warn(this.options.describe(d));
    }
    if (drifts) {
      this.logger.log(`${this.options.what} reconciled: ${drifts.length} ${this.options.unit} had drifted`);
    }
    return drifts;
  }
}
