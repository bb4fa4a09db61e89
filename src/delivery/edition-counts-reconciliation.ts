import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { NightlyRecount } from '../common/nightly-recount';
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
export class EditionCountsReconciliation extends NightlyRecount<EditionCountDrift> {
  constructor(
    private readonly ledger: DeliveryRepository,
    scheduler: SchedulerRegistry,
    config: AppConfig,
  ) {
    super(
      {
        name: EDITION_COUNTS_RECONCILIATION_NAME,
        cron: RECONCILIATION_CRON,
        what: 'Edition counts',
        unit: 'edition(s)',
        describe: (d) =>
          `Edition ${d.editionId}: kept counts ${JSON.stringify(d.kept)} differed from its rows ` +
          `${JSON.stringify(d.counted)}; corrected`,
      },
      scheduler,
      config,
    );
  }

  protected recount(): Promise<EditionCountDrift[] | null> {
    return this.ledger.reconcileCounts();
  }
}
