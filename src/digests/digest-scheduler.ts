import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { FREQUENCIES, type Frequency } from '../common/frequency';
import { latestTick } from './edition-calendar';
import { Edition } from './edition.entity';
import { EditionsRepository } from './editions.repository';
import { EditionsService } from './editions.service';
import { errorMessage, errorStack } from '../common/error-message';

/**
 * One cron job per frequency (DIGEST_DAILY_CRON, DIGEST_WEEKLY_CRON in TIMEZONE), only on instances that run
 * work (NASHRA_ROLE all or worker). A tick only starts work: EditionsService creates the edition once across
 * instances and hands it to the delivery queue, which does the sending.
 */
@Injectable()
export class DigestScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DigestScheduler.name);
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly editions: EditionsService,
    private readonly clock: Clock,
    private readonly editionsRepository: EditionsRepository,
  ) {}

  get enabled(): boolean {
    return this.config.runsBackgroundWork;
  }

  cronFor(frequency: Frequency): string {
    return frequency === 'daily' ? this.config.env.DIGEST_DAILY_CRON : this.config.env.DIGEST_WEEKLY_CRON;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) {
      return;
    }
    for (const frequency of FREQUENCIES) {
      let job: CronJob;
      try {
        job = CronJob.from({
          cronTime: this.cronFor(frequency),
          timeZone: this.config.env.TIMEZONE,
          onTick: () => this.track(this.runScheduled(frequency)),
          start: true,
        });
      } catch (err) {
        const variable = frequency === 'daily' ? 'DIGEST_DAILY_CRON' : 'DIGEST_WEEKLY_CRON';
        throw new Error(`${variable} is not a valid cron expression: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      this.registry.addCronJob(`digest-${frequency}`, job);
      this.logger.log(`${frequency} digest scheduled: "${this.cronFor(frequency)}" in ${this.config.env.TIMEZONE}`);
    }
    // Catch-up runs in the background: start-up must not wait for an edition to render.
    this.track(this.catchUp());
  }

  async beforeApplicationShutdown(): Promise<void> {
    // No new ticks while the running ones finish.
    for (const frequency of FREQUENCIES) {
      if (this.registry.doesExist('cron', `digest-${frequency}`)) {
        void this.registry.getCronJob(`digest-${frequency}`).stop();
      }
    }
    await Promise.allSettled([...this.running]);
  }

  /** The scheduled run of one frequency at the clock's now (what the cron tick calls). Never throws. */
  async runScheduled(frequency: Frequency, tickAt: Date = this.clock.now()): Promise<Edition | null> {
    try {
      return await this.editions.createScheduled(frequency, tickAt);
    } catch (err) {
      this.logger.error(`Scheduled ${frequency} digest failed: ${errorStack(err)}`);
      return null;
    }
  }

  /**
   * After downtime: when the schedule has run before and no edition of the frequency was made since its latest
   * tick, make ONE edition for that tick (however many ticks were missed). Then retry hand-offs a crash left
   * in draft.
   */
  async catchUp(): Promise<Edition[]> {
    const made: Edition[] = [];
    const now = this.clock.now();
    for (const frequency of FREQUENCIES) {
      const tick = latestTick(this.cronFor(frequency), this.config.env.TIMEZONE, now);
      if (!tick) {
        continue;
      }
      const state = await this.editionsRepository.scheduleState(frequency);
      if (!state.scheduledBefore || (state.lastWindowTo && state.lastWindowTo >= tick)) {
        continue;
      }
      this.logger.log(`Catching up the ${frequency} digest missed at ${tick.toISOString()}`);
      const edition = await this.runScheduled(frequency, tick);
      if (edition) {
        made.push(edition);
      }
    }
    try {
      const drafts = await this.editions.handOffDrafts();
      if (drafts > 0) {
        this.logger.log(`Retried the hand-off of ${drafts} draft edition(s)`);
      }
    } catch (err) {
      this.logger.error(`Retrying draft hand-offs failed: ${errorMessage(err)}`);
    }
    return made;
  }

  private track(work: Promise<unknown>): void {
    const tracked = work
      .catch((err: unknown) => this.logger.error(`Digest work failed: ${errorMessage(err)}`))
      .finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }
}
