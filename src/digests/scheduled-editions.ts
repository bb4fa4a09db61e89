import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import type { Edition } from './edition.entity';
import { EditionsService } from './editions.service';

const CHECK_EVERY_MS = 30_000;

/**
 * Editions an editor scheduled for a time (status `scheduled`, `scheduled_for`): on instances that run work,
 * every 30 s the due ones move scheduled → draft in one conditional UPDATE (so exactly one instance wins each)
 * and are handed to delivery. A crash after the UPDATE leaves a draft, which start-up hands off again.
 */
@Injectable()
export class ScheduledEditions implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ScheduledEditions.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly editions: EditionsService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.runsBackgroundWork) {
      return;
    }
    this.timer = setInterval(() => {
      this.running = this.releaseDue().catch((err: unknown) =>
        this.logger.error(`Releasing scheduled editions failed: ${err instanceof Error ? err.message : err}`),
      );
    }, CHECK_EVERY_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
    }
    await this.running;
  }

  /** Hands off every scheduled edition due at `now`; returns them as handed off. */
  async releaseDue(now: Date = this.clock.now()): Promise<Edition[]> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE editions SET status = 'draft', status_reason = NULL, updated_at = now()
        WHERE status = 'scheduled' AND scheduled_for <= $1
        RETURNING id`,
      [now],
    );
    // UPDATE … RETURNING through the driver yields [rows, count].
    const released = (Array.isArray(rows[0]) ? rows[0] : rows) as { id: string }[];
    const handedOff: Edition[] = [];
    for (const { id } of released) {
      const edition = await this.editions.find(id);
      if (edition) {
        this.logger.log(`Scheduled edition #${id} is due: handing it off`);
        handedOff.push(await this.editions.handOff(edition));
      }
    }
    return handedOff;
  }

  /** Scheduled editions not yet due, soonest first (for the Next digest screen). */
  upcoming(frequency?: string): Promise<Edition[]> {
    const qb = this.dataSource
      .getRepository<Edition>('Edition')
      .createQueryBuilder('e')
      .where("e.status = 'scheduled'")
      .orderBy('e.scheduled_for', 'ASC');
    if (frequency) {
      qb.andWhere('e.frequency = :frequency', { frequency });
    }
    return qb.getMany();
  }
}
