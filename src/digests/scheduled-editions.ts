import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock';
import { errorMessage } from '../common/error-message';
import { AppConfig } from '../config/app-config';
import type { Edition } from './edition.entity';
import { EditionsRepository } from './editions.repository';
import { EditionsService } from './editions.service';

const CHECK_EVERY_MS = 30_000;

/**
 * Editions an editor scheduled for a time (status `scheduled`, `scheduled_for`): on instances that run work,
 * every 30 s the due ones move scheduled → draft (EDITION_CHANGES.release, a conditional UPDATE: exactly one instance wins each)
 * and are handed to delivery. A crash after the UPDATE leaves a draft, which start-up hands off again.
 */
@Injectable()
export class ScheduledEditions implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ScheduledEditions.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly repository: EditionsRepository,
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
        this.logger.error(`Releasing scheduled editions failed: ${errorMessage(err)}`),
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
    const handedOff: Edition[] = [];
    for (const id of await this.repository.dueScheduled(now)) {
      // scheduled → draft is one conditional UPDATE: of all instances checking at once, one wins each edition.
      if (!(await this.repository.change(id, 'release'))) {
        continue;
      }
      const edition = await this.editions.find(id);
      if (edition) {
        this.logger.log(`Scheduled edition #${id} is due: handing it off`);
        handedOff.push(await this.editions.handOff(edition));
      }
    }
    return handedOff;
  }

  /** Scheduled editions not yet due, soonest first, of one digest newsletter (by slug) or all (Next digest screen). */
  upcoming(frequency?: string): Promise<Edition[]> {
    return this.repository.upcoming(frequency);
  }
}
