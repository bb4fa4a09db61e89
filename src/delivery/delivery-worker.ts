import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { AppConfig } from '../config/app-config';
import { ClaimCursor } from './claim-cursor';
import { DeliveryBatch } from './delivery-batch';
import { type EditionLifecycle, DeliveryPorts } from './delivery-ports';
import { DeliveryQueue } from './delivery-queue';
import { type ClaimedDelivery, DeliveryRepository } from './delivery.repository';
import { DeliverySender } from './delivery-sender';
import { MailTransport } from './mail-transport';
import { trimError } from './send-outcome';
import { SendProgress } from './send-progress';
import { SendRateLimiter } from './send-rate-limiter';
import { TransportHealth } from './transport-health';
import { WorkerIdentity } from './worker-identity';
import { WorkerLoop } from './worker-loop';

export { FAILURE_PAUSE_MIN_SAMPLE } from './delivery-batch';

const IDLE_POLL_MS = 1000;
const HOUSEKEEPING_MS = 1000;

interface Turn {
  sending: string[];
  /** Milliseconds the transport is on hold (nothing claimed). */
  hold: number;
  claimed: ClaimedDelivery[];
  /** When `sending` was asked (Date.now()). */
  askedAt: number;
  /** The holder id the rows were claimed under. */
  holder?: number;
}

/**
 * Sends what the ledger holds. Runs in processes whose NASHRA_ROLE is `all` or `worker`; any number of them
 * share one send through PostgreSQL. Each turn of the loop:
 *
 * - unless the SMTP server is unreachable (TransportHealth: then wait for the next try, no claim);
 * - claim: up to DELIVERY_BATCH_SIZE due rows of the editions the lifecycle says are sending, with a lease
 *   (DELIVERY_LEASE_SECONDS); rows whose lease ran out (a dead worker's) are claimable again;
 * - send them (DeliveryBatch: SMTP_POOL_SIZE × 2 at a time, under SEND_RATE_PER_SECOND, results written back
 *   as they come), claiming more in the background as the held rows drain, until nothing more is due;
 * - report editions with no row left to send, and skip the unsent rows of cancelled editions (also once a
 *   second during a long send);
 * - log progress (SendProgress).
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly loop = new WorkerLoop({
    cycle: () => this.cycle(),
    onWork: (wake) => this.queue.onWork(wake),
    logger: this.logger,
    name: 'Delivery',
    errorPauseMs: IDLE_POLL_MS * 2,
  });
  private stopped: Promise<void> = Promise.resolve();
  private housekeeping: Promise<void> = Promise.resolve();
  private lastHousekeeping = 0;
  private readonly cursor: ClaimCursor;

  constructor(
    private readonly ports: DeliveryPorts,
    private readonly config: AppConfig,
    private readonly ledger: DeliveryRepository,
    private readonly batches: DeliveryBatch,
    private readonly sender: DeliverySender,
    private readonly progress: SendProgress,
    private readonly transport: MailTransport,
    private readonly queue: DeliveryQueue,
    private readonly rateLimiter: SendRateLimiter,
    private readonly health: TransportHealth,
    private readonly identity: WorkerIdentity,
  ) {
    this.cursor = new ClaimCursor(ledger, config.delivery.leaseSeconds);
  }

  private get lifecycle(): EditionLifecycle {
    return this.ports.editionLifecycle.get();
  }

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
    if (!this.loop.start()) {
      return;
    }
    this.logger.log(
      `Delivery worker started (batch ${this.config.delivery.batchSize}, ` +
        `${this.config.delivery.poolSize} at a time, ` +
        `${this.rateLimiter.enabled ? `${this.config.delivery.sendRatePerSecond} msg/s limit` : 'no rate limit'}, ` +
        `${this.transport.usesOutbox ? 'outbox' : 'SMTP'})`,
    );
  }

  /** Finishes the messages in flight, hands unsent claims back to the queue, then returns. */
  stop(): Promise<void> {
    if (this.running) {
      this.stopped = this.loop.stop().then(async () => {
        await this.housekeeping.catch(() => undefined);
        this.logger.log(`Delivery worker stopped (sent ${this.sentCount} messages)`);
      });
    }
    return this.stopped;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  private get running(): boolean {
    return this.loop.running;
  }

  private async cycle(): Promise<void> {
    const first = await this.turn(this.config.delivery.batchSize);
    if (first.claimed.length > 0) {
      // One send session: the next claims are made while the pool sends (DeliveryBatch), until none is due. If
      // this process loses its holder lock meanwhile, others may take its rows at once: it stops sending them.
      const holder = first.holder;
      await this.batches.send(
        first.claimed,
        () => this.running && this.identity.current === holder,
        (room) => this.turn(room, holder),
      );
    }
    await this.finishEditions(first.sending);
    await this.progress.log();
    if (first.claimed.length === 0) {
      await this.loop.idle(first.hold > 0 ? Math.min(first.hold, IDLE_POLL_MS * 5) : IDLE_POLL_MS);
    }
  }

  /**
   * Which editions may send, whether the transport is on hold (SMTP unreachable, see TransportHealth: then
   * nothing is claimed until the next try is due), and up to `limit` claimed rows. During a send session the
   * edition checks run here too, off the send path and at most once a second.
   */
  private async turn(limit: number, sessionHolder?: number): Promise<Turn> {
    const askedAt = Date.now();
    const sending = await this.lifecycle.sendingEditions();
    const hold = this.transport.usesOutbox || sending.length === 0 ? 0 : await this.health.pauseMs();
    const wanted = hold === 0 && sending.length > 0 && this.running;
    const holder = wanted ? await this.identity.holder() : undefined;
    // A refill under another holder than its session's (the lock was lost and taken anew) claims nothing.
    const claimed =
      holder === undefined || (sessionHolder !== undefined && holder !== sessionHolder)
        ? []
        : await this.cursor.claim(sending, limit, holder);
    if (claimed.length > 0) {
      const editions = new Set(claimed.map((d) => d.edition_id));
      this.progress.working(editions);
      this.scheduleHousekeeping(sending.filter((id) => !editions.has(id)));
    }
    return { sending, hold, claimed, askedAt, holder };
  }

  /**
   * While a send session runs: finishes the sending editions that no claim served lately (an edition present
   * in a claim still has rows to send) and logs progress, in the background, at most once a second.
   */
  private scheduleHousekeeping(maybeFinished: string[]): void {
    if (Date.now() - this.lastHousekeeping < HOUSEKEEPING_MS) {
      return;
    }
    this.lastHousekeeping = Date.now();
    this.housekeeping = this.housekeeping
      .then(async () => {
        await this.finishEditions(maybeFinished);
        await this.progress.log();
      })
      .catch((err: unknown) => this.logger.warn(`Edition checks failed: ${trimError(errorMessage(err))}`));
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
