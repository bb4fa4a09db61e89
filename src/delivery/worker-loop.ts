import { Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { trimError } from './send-outcome';

export interface WorkerLoopOptions {
  /** One turn of the worker: send what is due, or `idle` when nothing is. */
  cycle: () => Promise<void>;
  /** Subscribes to "work was queued"; returns the unsubscribe. */
  onWork: (wake: () => void) => () => void;
  /** The owner's logger; a turn that throws is logged as `<name> loop error: …`. */
  logger: Logger;
  name: string;
  /** The pause after a turn that threw, before the next one. */
  errorPauseMs: number;
}

/**
 * The life of a sending worker's loop (DeliveryWorker, TransactionalWorker): start repeats the turn until stop;
 * a turn with nothing to do idles, and work being queued cuts the idle short; stop waits for the turn in flight.
 */
export class WorkerLoop {
  private active = false;
  private loop: Promise<void> = Promise.resolve();
  private wake?: () => void;
  private unsubscribe?: () => void;

  constructor(private readonly options: WorkerLoopOptions) {}

  get running(): boolean {
    return this.active;
  }

  /** Starts the loop; false when it already runs. */
  start(): boolean {
    if (this.active) {
      return false;
    }
    this.active = true;
    this.unsubscribe = this.options.onWork(() => this.wake?.());
    this.loop = this.run();
    return true;
  }

  /** Ends the loop: cuts an idle short and resolves once the turn in flight is done. */
  stop(): Promise<void> {
    if (this.active) {
      this.active = false;
      this.unsubscribe?.();
      this.wake?.();
    }
    return this.loop;
  }

  /** Sleeps `ms`, or less if work is queued or the loop is stopped meanwhile. */
  idle(ms: number): Promise<void> {
    if (!this.active) {
      // Stopped while the turn was in flight: its stop() found no idle to cut short, so none may begin.
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (this.active) {
      try {
        await this.options.cycle();
      } catch (err) {
        if (!this.active) {
          break;
        }
        this.options.logger.error(`${this.options.name} loop error: ${trimError(errorMessage(err))}`);
        await this.idle(this.options.errorPauseMs);
      }
    }
  }
}
