import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

export interface PeriodicJobOptions<T> {
  /** The interval's name in the SchedulerRegistry (tests look it up). */
  name: string;
  /** One run of the work. */
  work: () => Promise<T>;
  /** The owner's logger, so a failed run is logged under the owner's name. */
  logger: Logger;
  /** The error line for an interval run that threw (the error is logged, never rethrown). */
  failure: (err: unknown) => string;
}

/**
 * Work an interval repeats: one run at a time in a process (a run that outlives the interval is not started
 * twice, and a caller during a run gets that run), a failed interval run logged, and at shutdown no new run
 * while the one in flight is awaited. The owner checks `stopped` between steps of a long run.
 */
export class PeriodicJob<T> {
  private running: Promise<T> | null = null;
  private stopping = false;

  constructor(private readonly options: PeriodicJobOptions<T>) {}

  /** True once shutdown began. */
  get stopped(): boolean {
    return this.stopping;
  }

  /** Runs every `everyMs`; with `runNow`, also as soon as start-up is done rather than a whole interval later. */
  schedule(scheduler: SchedulerRegistry, everyMs: number, { runNow = false } = {}): void {
    scheduler.addInterval(
      this.options.name,
      setInterval(() => void this.tick(), everyMs),
    );
    if (runNow) {
      setImmediate(() => void this.tick());
    }
  }

  /** Runs at the times of a cron expression in `timeZone` (e.g. nightly), registered under the job's name. */
  scheduleCron(scheduler: SchedulerRegistry, cronTime: string, timeZone: string): void {
    scheduler.addCronJob(
      this.options.name,
      CronJob.from({ cronTime, timeZone, onTick: () => void this.tick(), start: true }),
    );
  }

  /** Starts a run, or returns the one in flight. */
  run(): Promise<T> {
    this.running ??= this.options.work().finally(() => (this.running = null));
    return this.running;
  }

  /** For beforeApplicationShutdown: no new run; waits for the one in flight (before the database pool closes). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running?.catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.stopping) {
      return;
    }
    try {
      await this.run();
    } catch (err) {
      this.options.logger.error(this.options.failure(err));
    }
  }
}
