import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { AppConfig } from '../config/app-config';
import { DeliveryBatch } from './delivery-batch';
import { EDITION_LIFECYCLE, type EditionLifecycle } from './delivery-ports';
import { DeliveryQueue } from './delivery-queue';
import { type ClaimedDelivery, DeliveryRepository } from './delivery.repository';
import { DeliverySender } from './delivery-sender';
import { MailTransport } from './mail-transport';
import { trimError } from './send-outcome';
import { SendProgress } from './send-progress';
import { SendRateLimiter } from './send-rate-limiter';
import { TransportHealth } from './transport-health';

export { FAILURE_PAUSE_MIN_SAMPLE } from './delivery-batch';

const IDLE_POLL_MS = 1000;

/**
 * Sends what the ledger holds. Runs in processes whose NASHRA_ROLE is `all` or `worker`; any number of them
 * share one send through PostgreSQL. Each turn of the loop:
 *
 * - unless the SMTP server is unreachable (TransportHealth: then wait for the next try, no claim);
 * - claim: up to DELIVERY_BATCH_SIZE due rows of the editions the lifecycle says are sending, with a lease
 *   (DELIVERY_LEASE_SECONDS); rows whose lease ran out (a dead worker's) are claimable again;
 * - send the batch (DeliveryBatch: SMTP_POOL_SIZE × 2 at a time, under SEND_RATE_PER_SECOND, results written
 *   back as they come);
 * - report editions with no row left to send, and skip the unsent rows of cancelled editions;
 * - log progress (SendProgress).
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger(DeliveryWorker.name);
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private stopped: Promise<void> = Promise.resolve();
  private unsubscribeFromQueue?: () => void;

  constructor(
    private readonly config: AppConfig,
    private readonly ledger: DeliveryRepository,
    private readonly batches: DeliveryBatch,
    private readonly sender: DeliverySender,
    private readonly progress: SendProgress,
    private readonly transport: MailTransport,
    private readonly queue: DeliveryQueue,
    private readonly rateLimiter: SendRateLimiter,
    private readonly health: TransportHealth,
    @Inject(EDITION_LIFECYCLE) private readonly lifecycle: EditionLifecycle,
  ) {}

  get enabled(): boolean {
    return this.config.runsBackgroundWork;
  }

  /** Messages this process has had accepted (for logs and tests). */
  get sentCount(): number {
    return this.sender.sentCount;
  }

  onApplicationBootstrap(): void {
    if (this.enabled) {
      this.start();
    }
  }

  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.unsubscribeFromQueue = this.queue.onWork(() => this.wake?.());
    this.loop = this.run();
    this.logger.log(
      `Delivery worker started (batch ${this.config.env.DELIVERY_BATCH_SIZE}, ` +
        `${this.config.env.SMTP_POOL_SIZE} at a time, ` +
        `${this.rateLimiter.enabled ? `${this.config.env.SEND_RATE_PER_SECOND} msg/s limit` : 'no rate limit'}, ` +
        `${this.transport.usesOutbox ? 'outbox' : 'SMTP'})`,
    );
  }

  /** Finishes the messages in flight, hands unsent claims back to the queue, then returns. */
  stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      this.unsubscribeFromQueue?.();
      this.wake?.();
      this.stopped = (this.loop ?? Promise.resolve()).then(() =>
        this.logger.log(`Delivery worker stopped (sent ${this.sentCount} messages)`),
      );
    }
    return this.stopped;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const sending = await this.lifecycle.sendingEditions();
        const hold = this.transport.usesOutbox || sending.length === 0 ? 0 : await this.health.pauseMs();
        if (hold > 0) {
          // SMTP unreachable (see TransportHealth): nothing is claimed until the next try is due.
          await this.finishEditions(sending);
          await this.idle(Math.min(hold, IDLE_POLL_MS * 5));
          continue;
        }
        const claimed = await this.claim(sending);
        if (claimed.length > 0) {
          this.progress.working(new Set(claimed.map((d) => d.edition_id)));
          await this.batches.send(claimed, () => this.running);
        }
        await this.finishEditions(sending);
        await this.progress.log();
        if (claimed.length === 0) {
          await this.idle(IDLE_POLL_MS);
        }
      } catch (err) {
        if (!this.running) {
          break;
        }
        this.logger.error(`Delivery loop error: ${trimError(errorMessage(err))}`);
        await this.idle(IDLE_POLL_MS * 2);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private claim(sending: string[]): Promise<ClaimedDelivery[]> {
    if (sending.length === 0) {
      return Promise.resolve([]);
    }
    return this.ledger.claim(sending, this.config.env.DELIVERY_BATCH_SIZE, this.config.env.DELIVERY_LEASE_SECONDS);
  }

  /**
   * Reports the sending editions with nothing left to send (the lifecycle decides whether that makes them
   * sent), and marks the unsent rows of cancelled editions skipped, so the ledger says why they never went.
   */
  private async finishEditions(sending: string[]): Promise<void> {
    if (sending.length > 0) {
      for (const { editionId, rows } of await this.ledger.finishedEditions(sending)) {
        if (await this.lifecycle.allRowsFinished(editionId, rows)) {
          await this.progress.finished(editionId);
        }
      }
    }
    const cancelled = await this.lifecycle.cancelledEditions();
    if (cancelled.length > 0) {
      await this.ledger.skipQueued(cancelled, 'edition cancelled');
    }
  }
}
