import { Injectable } from '@nestjs/common';
import { CronTime } from 'cron';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import type { Frequency } from '../subscribers/subscriber.entity';
import { DigestScheduler } from './digest-scheduler';
import type { EditionSummaryDto } from './dto/edition-views.dto';
import { EditionHistory } from './edition-history';

export interface NextEdition {
  frequency: Frequency;
  cron: string;
  /** The next scheduled run after now, or null when the cron expression never fires again. */
  at: Date | null;
}

/** Read-only view of editions for the newsroom's dashboard: when the next ones go out, and the last ones. */
@Injectable()
export class EditionOverview {
  constructor(
    private readonly scheduler: DigestScheduler,
    private readonly history: EditionHistory,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** From the scheduler's own cron expressions, so a schedule it reads elsewhere is followed here too. */
  nextEditions(now: Date = this.clock.now()): NextEdition[] {
    return (['daily', 'weekly'] as const).map((frequency) => {
      const cron = this.scheduler.cronFor(frequency);
      let at: Date | null;
      try {
        const zone = this.config.publication.timeZone;
        at = new CronTime(cron, zone).getNextDateFrom(now, zone).toJSDate();
      } catch {
        at = null;
      }
      return { frequency, cron, at };
    });
  }

  /** The newest editions with their delivery counts. */
  async recent(limit: number): Promise<EditionSummaryDto[]> {
    return (await this.history.page({ limit })).items;
  }
}
