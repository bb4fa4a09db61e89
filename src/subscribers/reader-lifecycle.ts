import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { errorMessage } from '../common/error-message';
import { PeriodicJob } from '../common/periodic-job';
import { hashToken, newToken } from '../common/secure-token';
import { AppConfig } from '../config/app-config';
import { LOCK_KEYS, tryTransactionLock } from '../database/advisory-lock';
import { TransactionalOutbox } from '../delivery/transactional-outbox';
import { ReaderEmails, SUNSET_GRACE_DAYS } from './reader-emails';
import { SubscriberLinks } from './subscriber-links';
import { SubscribersRepository } from './subscribers.repository';

export const READER_LIFECYCLE_INTERVAL_NAME = 'reader-lifecycle';
const INTERVAL_MS = 10 * 60_000;
const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** A pending reader is reminded this long after their (latest) confirmation email was accepted. */
export const REMINDER_AFTER_MS = 24 * HOUR_MS;
const BATCH = 500;

export interface LifecycleRun {
  reminders: number;
  sunsets: number;
  unsubscribed: number;
}

/**
 * Readers' lifecycle emails beyond the welcome (queued by confirmation itself):
 * - one reminder to a reader still `pending` REMINDER_AFTER_MS after their confirmation email (with a fresh
 *   link), then nothing ever again (dedupe key reminder:<id>);
 * - with SUNSET_AFTER_DAYS, one "do you still want this?" email to an active reader with no engagement for
 *   that long (keep link: /subscriptions/keep), and SUNSET_GRACE_DAYS after it was sent, if the reader did not
 *   engage since, an unsubscribe with reason `inactive`.
 * An interval (every 10 minutes, processes doing background work) only starts a run; each batch is one
 * transaction under an advisory lock that inserts unique outbox rows, so any number of processes and
 * repeated runs send each email once. All times come from the Clock.
 */
@Injectable()
export class ReaderLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReaderLifecycle.name);
  private readonly job = new PeriodicJob<LifecycleRun>({
    name: READER_LIFECYCLE_INTERVAL_NAME,
    work: () => this.run(),
    logger: this.logger,
    failure: (err) => `Reader lifecycle run failed: ${errorMessage(err)}`,
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scheduler: SchedulerRegistry,
    private readonly readers: SubscribersRepository,
    private readonly outbox: TransactionalOutbox,
    private readonly emails: ReaderEmails,
    private readonly links: SubscriberLinks,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runsBackgroundWork) {
      this.job.schedule(this.scheduler, INTERVAL_MS);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** One run of every rule (the interval's work; tests call it under the fake clock). */
  runOnce(): Promise<LifecycleRun> {
    return this.job.run();
  }

  private async run(): Promise<LifecycleRun> {
    const started = Date.now();
    const result: LifecycleRun = { reminders: 0, sunsets: 0, unsubscribed: 0 };
    const sunsetDays = this.config.readers.sunsetAfterDays;
    if (sunsetDays > 0) {
      result.unsubscribed = await this.batches((m) => this.unsubscribeInactive(m));
    }
    result.reminders = await this.batches((m) => this.remind(m));
    if (sunsetDays > 0) {
      result.sunsets = await this.batches((m) => this.sunset(m, sunsetDays));
    }
    if (result.reminders + result.sunsets + result.unsubscribed > 0) {
      this.outbox.wake();
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      this.logger.log(
        `Reader lifecycle: ${result.reminders} reminder(s), ${result.sunsets} sunset email(s) queued, ` +
          `${result.unsubscribed} reader(s) unsubscribed as inactive, in ${seconds.toFixed(1)} s`,
      );
    }
    return result;
  }

  /** Runs `step` in transactions of up to BATCH readers until one comes back short; another holder of the lock skips. */
  private async batches(step: (manager: EntityManager) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const done = await this.dataSource.transaction(async (manager) => {
        if (!(await tryTransactionLock(manager, LOCK_KEYS.readerLifecycle))) {
          return -1;
        }
        return step(manager);
      });
      if (done < 0) {
        return total;
      }
      total += done;
      if (done < BATCH || this.job.stopped) {
        return total;
      }
    }
  }

  private async remind(manager: EntityManager): Promise<number> {
    const now = this.clock.now();
    const due = await this.readers.dueForReminder(manager, new Date(now.getTime() - REMINDER_AFTER_MS), BATCH);
    if (due.length === 0) {
      return 0;
    }
    // The reminder carries a fresh link (only the token's hash is kept, so the first one cannot be resent).
    const tokens = due.map(() => newToken());
    const expires = new Date(now.getTime() + this.config.readers.confirmTokenTtlHours * HOUR_MS);
    await this.readers.replaceTokens(
      manager,
      due.map((r) => r.id),
      tokens.map(hashToken),
      expires,
    );
    const mails = await Promise.all(
      due.map(async (r, i) => ({
        kind: 'reminder',
        to: r.email,
        subscriberId: r.id,
        dedupeKey: `reminder:${r.id}`,
        ...(await this.emails.compose('reminder', { confirmToken: tokens[i] })),
      })),
    );
    await this.outbox.enqueue(mails, manager);
    return due.length;
  }

  private async sunset(manager: EntityManager, days: number): Promise<number> {
    const now = this.clock.now();
    const due = await this.readers.dueForSunset(manager, new Date(now.getTime() - days * DAY_MS), BATCH);
    if (due.length === 0) {
      return 0;
    }
    const mails = await Promise.all(
      due.map(async (r) => ({
        kind: 'sunset',
        to: r.email,
        subscriberId: r.id,
        dedupeKey: r.key,
        ...(await this.emails.compose('sunset', {
          keepToken: this.links.token(r.id),
          unsubscribeUrl: this.links.unsubscribeUrl(r.id),
        })),
      })),
    );
    await this.outbox.enqueue(mails, manager);
    return due.length;
  }

  /** Active readers whose sunset email (for their current engagement) was accepted SUNSET_GRACE_DAYS ago. */
  private async unsubscribeInactive(manager: EntityManager): Promise<number> {
    const now = this.clock.now();
    return this.readers.unsubscribeInactive(manager, now, new Date(now.getTime() - SUNSET_GRACE_DAYS * DAY_MS), BATCH);
  }
}
