import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { errorMessage } from '../common/error-message';
import { PeriodicJob } from '../common/periodic-job';
import { AppConfig } from '../config/app-config';
import type { SendAllowance } from '../delivery/delivery-ports';
import { DeliveryQueue } from '../delivery/delivery-queue';

export const WARM_UP_INTERVAL_NAME = 'deliverability-warm-up';
const INTERVAL_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** How many days ahead the screen shows. */
const PLAN_DAYS = 7;

export interface WarmUpRun {
  day: string;
  allowance: number;
  released: number;
}

export interface WarmUpPlan {
  on: boolean;
  startPerDay: number;
  growthPercent: number;
  /** Day one of the warm-up (YYYY-MM-DD, UTC), null before the first send. */
  startedOn: string | null;
  today: { day: string; allowance: number; released: number };
  /** Messages queued and waiting for a later day's allowance. */
  held: number;
  /** The next days' allowances, until the held messages are all out (at most a week shown). */
  nextDays: Array<{ day: string; allowance: number; sends: number }>;
}

type Release = (count: number) => Promise<number>;

/**
 * The warm-up of a new domain (delivery's SendAllowance port): with WARMUP_START_PER_DAY set, newly queued
 * deliveries wait (held), and each day (UTC, by the Clock) up to that day's allowance is released, the most
 * recently engaged readers first: day one allows WARMUP_START_PER_DAY, each later day WARMUP_GROWTH_PERCENT more.
 * An edition larger than the day's allowance goes out over several days. A release takes the day's row lock
 * (`warmup_days`), so processes never release one day's allowance twice.
 */
@Injectable()
export class WarmUpAllowance implements SendAllowance {
  private readonly logger = new Logger(WarmUp.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  holdsNewRows(): boolean {
    return this.config.deliverability.warmUpStartPerDay > 0;
  }

  async heldRowsQueued(release: Release): Promise<void> {
    await this.release(release);
  }

  /** The day's allowance, `index` days after day one. */
  allowance(index: number): number {
    const { warmUpStartPerDay: start, warmUpGrowthPercent: growth } = this.config.deliverability;
    return Math.floor(start * Math.pow(1 + growth / 100, index));
  }

  /** Releases what is left of today's allowance. */
  async release(release: Release): Promise<WarmUpRun> {
    const today = this.today();
    return this.dataSource.transaction(async (manager) => {
      // The first row is day one; the row of today, locked, serialises the releases of every process.
      await manager.query(`INSERT INTO warmup_days (day) VALUES ($1) ON CONFLICT DO NOTHING`, [today]);
      const [row]: Array<{ released: number; index: number }> = await manager.query(
        `SELECT released, ($1::date - (SELECT min(day) FROM warmup_days)) AS index
         FROM warmup_days WHERE day = $1 FOR UPDATE`,
        [today],
      );
      const allowance = this.allowance(Number(row.index));
      const released = await release(allowance - Number(row.released));
      if (released > 0) {
        await manager.query(`UPDATE warmup_days SET released = released + $2 WHERE day = $1`, [today, released]);
        this.logger.log(
          `Warm-up day ${Number(row.index) + 1}: released ${released} deliveries (${Number(row.released) + released} of ${allowance} today)`,
        );
      }
      return { day: today, allowance, released: Number(row.released) + released };
    });
  }

  async plan(held: number): Promise<WarmUpPlan> {
    const today = this.today();
    const days: Array<{ day: string; released: number }> = await this.dataSource.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, released FROM warmup_days ORDER BY day`,
    );
    const startedOn = days[0]?.day ?? null;
    const todayIndex = startedOn ? Math.round((Date.parse(today) - Date.parse(startedOn)) / DAY_MS) : 0;
    const releasedToday = days.find((d) => d.day === today)?.released ?? 0;
    const nextDays: WarmUpPlan['nextDays'] = [];
    let left = held;
    for (let i = 1; i <= PLAN_DAYS && left > 0; i++) {
      const allowance = this.allowance(todayIndex + i);
      const sends = Math.min(left, allowance);
      nextDays.push({ day: new Date(Date.parse(today) + i * DAY_MS).toISOString().slice(0, 10), allowance, sends });
      left -= sends;
    }
    return {
      on: this.holdsNewRows(),
      startPerDay: this.config.deliverability.warmUpStartPerDay,
      growthPercent: this.config.deliverability.warmUpGrowthPercent,
      startedOn,
      today: { day: today, allowance: this.allowance(todayIndex), released: Number(releasedToday) },
      held,
      nextDays,
    };
  }

  private today(): string {
    return this.clock.now().toISOString().slice(0, 10);
  }
}

/**
 * The warm-up's clock: every minute (and at start-up) in processes doing background work, releases what is
 * left of today's allowance; with the warm-up off, anything still held is released at once.
 */
@Injectable()
export class WarmUp implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WarmUp.name);
  private readonly job = new PeriodicJob<WarmUpRun | null>({
    name: WARM_UP_INTERVAL_NAME,
    work: () => this.release(),
    logger: this.logger,
    failure: (err) => `Warm-up run failed: ${errorMessage(err)}`,
  });

  constructor(
    private readonly allowance: WarmUpAllowance,
    private readonly queue: DeliveryQueue,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runsBackgroundWork) {
      this.job.schedule(this.scheduler, INTERVAL_MS, { runNow: true });
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** One release (the interval's work; tests call it under the fake clock). */
  runOnce(): Promise<WarmUpRun | null> {
    return this.job.run();
  }

  async plan(): Promise<WarmUpPlan> {
    return this.allowance.plan(await this.queue.heldCount());
  }

  private async release(): Promise<WarmUpRun | null> {
    if (!this.allowance.holdsNewRows()) {
      const released = (await this.queue.heldCount()) > 0 ? await this.queue.releaseHeld(2 ** 31 - 1) : 0;
      if (released > 0) {
        this.logger.log(`Warm-up off: released ${released} held deliveries`);
      }
      return null;
    }
    return this.allowance.release((count) => this.queue.releaseHeld(count));
  }
}
