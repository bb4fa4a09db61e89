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
import type { Newsletter } from '../subscribers/newsletter.entity';
import { NewslettersRepository } from '../subscribers/newsletters.repository';

// How often an instance looks whether another one saved new digest settings.
const SETTINGS_POLL_MS = 15_000;

/**
 * One cron job per active digest newsletter in TIMEZONE (`digest-<slug>`), only on instances that run work
 * (NASHRA_ROLE all or worker). A newsletter's schedule is its own cron, or (NULL, as `daily` and `weekly` after the
 * migration) the digest settings' schedule of its period (DIGEST_DAILY_CRON and DIGEST_WEEKLY_CRON until an editor
 * saves them). A save re-creates the jobs at once in this process, and other instances notice within 15 s by
 * polling. A tick only starts work: EditionsService creates the edition once across instances and hands it to
 * the delivery queue, which does the sending.
 */
@Injectable()
export class DigestScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DigestScheduler.name);
  private readonly running = new Set<Promise<unknown>>();
  private periodCrons: Record<Frequency, string>;
  /** slug → cron of every active digest newsletter. */
  private crons = new Map<string, string>();
  private settingsVersion: number | null = null;
  private newslettersVersion: number | null = null;
  private newsletterList: Newsletter[] = [];
  private poller: NodeJS.Timeout | null = null;
  private stopListening: (() => void) | null = null;
  private started = false;

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly editions: EditionsService,
    private readonly clock: Clock,
    private readonly editionsRepository: EditionsRepository,
    private readonly settings: DigestSettingsService,
    private readonly newsletters: NewslettersRepository,
  ) {
    this.periodCrons = { daily: config.digests.dailyCron, weekly: config.digests.weeklyCron };
    for (const frequency of FREQUENCIES) {
      this.crons.set(frequency, this.periodCrons[frequency]);
    }
  }

  get enabled(): boolean {
    return this.config.runsBackgroundWork;
  }

  /** The cron expression in force for a digest newsletter (`daily`, `weekly`, or another slug). */
  cronFor(slug: string): string {
    return this.crons.get(slug) ?? this.periodCrons[slug as Frequency] ?? this.periodCrons.daily;
  }

  /** The next time the newsletter's schedule fires after `from` (the clock's now by default). */
  nextRunAt(slug: string, from: Date = this.clock.now()): Date {
    const time = new CronTime(this.cronFor(slug), this.config.publication.timeZone);
    return time.getNextDateFrom(from, this.config.publication.timeZone).toJSDate();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.newsletterList = await this.newsletters.digests();
    this.newslettersVersion = await this.newsletters.lastChange();
    this.adopt(await this.settings.current());
    // Every role follows the settings (web instances show the next run times); only workers run jobs.
    this.stopListening = this.settings.onChange((saved) => this.adopt(saved));
    this.poller = setInterval(() => this.track(this.pollSettings()), SETTINGS_POLL_MS);
    this.poller.unref();
    if (!this.enabled) {
      return;
    }
    this.startJobs();
    this.started = true;
    // Catch-up runs in the background: start-up must not wait for an edition to render.
    this.track(this.catchUp());
  }

  /** Re-reads the settings and newsletters when another instance (or an editor here) changed them. */
  async pollSettings(): Promise<void> {
    const changed = await this.settings.lastChange();
    const newsletters = await this.newsletters.lastChange();
    if ((changed?.getTime() ?? null) !== this.settingsVersion || newsletters !== this.newslettersVersion) {
      this.newsletterList = await this.newsletters.digests();
      this.newslettersVersion = newsletters;
      this.adopt(await this.settings.current());
    }
  }

  /** Takes the schedules of `settings` and the newsletters; re-creates the cron jobs when one changed. */
  private adopt(settings: DigestSettings): void {
    this.settingsVersion = settings.updatedAt?.getTime() ?? null;
    this.periodCrons = { daily: settings.dailyCron, weekly: settings.weeklyCron };
    const next = new Map<string, string>();
    for (const newsletter of this.newsletterList) {
      next.set(newsletter.slug, newsletter.scheduleCron ?? this.periodCrons[newsletter.period ?? 'daily']);
    }
    const same = next.size === this.crons.size && [...next].every(([slug, cron]) => this.crons.get(slug) === cron);
    if (same) {
      return;
    }
    this.crons = next;
    if (this.enabled && this.started) {
      this.stopJobs();
      this.startJobs();
    }
  }

  private jobNames(): string[] {
    return [...this.registry.getCronJobs().keys()].filter((name) => name.startsWith('digest-'));
  }

  private stopJobs(): void {
    for (const name of this.jobNames()) {
      void this.registry.getCronJob(name).stop();
      this.registry.deleteCronJob(name);
    }
  }

  private startJobs(): void {
    for (const [slug, cron] of this.crons) {
      let job: CronJob;
      try {
        job = CronJob.from({
          cronTime: cron,
          timeZone: this.config.publication.timeZone,
          onTick: () => this.track(this.runScheduled(slug)),
          start: true,
        });
      } catch (err) {
        const own = this.newsletterList.find((n) => n.slug === slug)?.scheduleCron;
        if (own) {
          // A newsletter's own cron (checked when saved, so only a hand-edited row): that one newsletter waits.
          this.logger.error(`Newsletter ${slug} has an invalid schedule "${own}": ${errorMessage(err)}`);
          continue;
        }
        const period = this.newsletterList.find((n) => n.slug === slug)?.period ?? slug;
        const variable = period === 'weekly' ? 'DIGEST_WEEKLY_CRON' : 'DIGEST_DAILY_CRON';
        throw new Error(`${variable} is not a valid cron expression: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      this.registry.addCronJob(`digest-${slug}`, job);
      this.logger.log(`${slug} digest scheduled: "${cron}" in ${this.config.publication.timeZone}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    // No new ticks while the running ones finish.
    if (this.poller) {
      clearInterval(this.poller);
    }
    this.stopListening?.();
    for (const name of this.jobNames()) {
      void this.registry.getCronJob(name).stop();
    }
    await Promise.allSettled([...this.running]);
  }

  /** The scheduled run of one digest newsletter at the clock's now (what the cron tick calls). Never throws. */
  async runScheduled(slug: string, tickAt: Date = this.clock.now()): Promise<Edition | null> {
    try {
      return await this.editions.createScheduled(slug, tickAt);
    } catch (err) {
      this.logger.error(`Scheduled ${slug} digest failed: ${errorStack(err)}`);
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
    for (const [slug, cron] of this.crons) {
      const tick = latestTick(cron, this.config.publication.timeZone, now);
      if (!tick) {
        continue;
      }
      const state = await this.editionsRepository.scheduleState(slug);
      if (!state.scheduledBefore || (state.lastWindowTo && state.lastWindowTo >= tick)) {
        continue;
      }
      this.logger.log(`Catching up the ${slug} digest missed at ${tick.toISOString()}`);
      const edition = await this.runScheduled(slug, tick);
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
