import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { CronTime } from 'cron';
import { FREQUENCIES, type Frequency } from '../common/frequency';
import { DigestSettingsService, type DigestSettings } from './digest-settings.service';
import { latestTick } from './edition-calendar';
import { Edition } from './edition.entity';
import { EditionsRepository } from './editions.repository';
import { EditionsService } from './editions.service';
import { errorMessage, errorStack } from '../common/error-message';

// How often an instance looks whether another one saved new digest settings.
const SETTINGS_POLL_MS = 15_000;

/**
 * One cron job per frequency in TIMEZONE, only on instances that run work (NASHRA_ROLE all or worker). The
 * schedules come from the digest settings editors save (DIGEST_DAILY_CRON and DIGEST_WEEKLY_CRON until then);
 * a save re-creates the jobs at once in this process, and other instances notice within 15 s by polling. A tick only starts work: EditionsService creates the edition once across
 * instances and hands it to the delivery queue, which does the sending.
 */
@Injectable()
export class DigestScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DigestScheduler.name);
  private readonly running = new Set<Promise<unknown>>();
  private crons: Record<Frequency, string>;
  private settingsVersion: number | null = null;
  private poller: NodeJS.Timeout | null = null;
  private stopListening: (() => void) | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly editions: EditionsService,
    private readonly clock: Clock,
    private readonly editionsRepository: EditionsRepository,
    private readonly settings: DigestSettingsService,
  ) {
    this.crons = { daily: config.env.DIGEST_DAILY_CRON, weekly: config.env.DIGEST_WEEKLY_CRON };
  }

  get enabled(): boolean {
    return this.config.runsBackgroundWork;
  }

  /** The cron expression in force for a frequency (digest settings, else the environment). */
  cronFor(frequency: Frequency): string {
    return this.crons[frequency];
  }

  /** The next time the frequency's schedule fires after `from` (the clock's now by default). */
  nextRunAt(frequency: Frequency, from: Date = this.clock.now()): Date {
    const time = new CronTime(this.cronFor(frequency), this.config.env.TIMEZONE);
    return time.getNextDateFrom(from, this.config.env.TIMEZONE).toJSDate();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.adopt(await this.settings.current());
    // Every role follows the settings (web instances show the next run times); only workers run jobs.
    this.stopListening = this.settings.onChange((saved) => this.adopt(saved));
    this.poller = setInterval(() => this.track(this.pollSettings()), SETTINGS_POLL_MS);
    this.poller.unref();
    if (!this.enabled) {
      return;
    }
    this.startJobs();
    // Catch-up runs in the background: start-up must not wait for an edition to render.
    this.track(this.catchUp());
  }

  /** Re-reads the settings when another instance saved them since we last looked. */
  async pollSettings(): Promise<void> {
    const changed = await this.settings.lastChange();
    if ((changed?.getTime() ?? null) !== this.settingsVersion) {
      this.adopt(await this.settings.current());
    }
  }

  /** Takes the schedules of `settings`; re-creates the cron jobs when one changed. */
  private adopt(settings: DigestSettings): void {
    this.settingsVersion = settings.updatedAt?.getTime() ?? null;
    const next = { daily: settings.dailyCron, weekly: settings.weeklyCron };
    if (next.daily === this.crons.daily && next.weekly === this.crons.weekly) {
      return;
    }
    this.crons = next;
    if (this.enabled && this.registry.doesExist('cron', 'digest-daily')) {
      this.stopJobs();
      this.startJobs();
    }
  }

  private stopJobs(): void {
    for (const frequency of FREQUENCIES) {
      if (this.registry.doesExist('cron', `digest-${frequency}`)) {
        void this.registry.getCronJob(`digest-${frequency}`).stop();
        this.registry.deleteCronJob(`digest-${frequency}`);
      }
    }
  }

  private startJobs(): void {
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
  }

  async beforeApplicationShutdown(): Promise<void> {
    // No new ticks while the running ones finish.
    if (this.poller) {
      clearInterval(this.poller);
    }
    this.stopListening?.();
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
