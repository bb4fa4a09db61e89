import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { errorMessage } from '../common/error-message';
import { PeriodicJob } from '../common/periodic-job';
import { AppConfig } from '../config/app-config';
import { DeliveryRepository, EditionCountDrift } from './delivery.repository';

export const EDITION_COUNTS_RECONCILIATION_NAME = 'edition-counts-reconciliation';
/** 03:20 in TIMEZONE: after the night's digests are usually out, before the morning's. */
export const RECONCILIATION_CRON = '20 3 * * *';

/**
 * Every night, recounts each edition's ledger rows and compares them with its kept counts (edition_counts).
 * They never differ unless something wrote the ledger around its triggers (a hand-run statement, a restore);
 * a drift is logged with both figures and corrected, so the newsroom's numbers heal by the next morning.
 */
@Injectable()
export class EditionCountsReconciliation implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EditionCountsReconciliation.name);
  private readonly job = new PeriodicJob<EditionCountDrift[] | null>({
    name: EDITION_COUNTS_RECONCILIATION_NAME,
    work: () => this.reconcile(),
    logger: this.logger,
    failure: (err) => `Edition counts reconciliation failed: ${errorMessage(err)}`,
  });

  constructor(
    private readonly ledger: DeliveryRepository,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runsBackgroundWork) {
      this.job.scheduleCron(this.scheduler, RECONCILIATION_CRON, this.config.env.TIMEZONE);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** One recount (the cron's work; tests call it). Null when another instance was running it. */
  runOnce(): Promise<EditionCountDrift[] | null> {
    return this.job.run();
  }

  private async reconcile(): Promise<EditionCountDrift[] | null> {
    const drifts = await this.ledger.reconcileCounts();
    for (const d of drifts ?? []) {
      this.logger.warn(
        `Edition ${d.editionId}: kept counts ${JSON.stringify(d.kept)} differed from its rows ` +
          `${JSON.stringify(d.counted)}; corrected`,
      );
    }
    if (drifts) {
      this.logger.log(`Edition counts reconciled: ${drifts.length} edition(s) had drifted`);
    }
    return drifts;
  }
}
