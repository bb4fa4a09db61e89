import { Inject, Injectable, Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { AppConfig } from '../config/app-config';
import { EDITION_LIFECYCLE, type EditionLifecycle, RECIPIENT_EVENTS, type RecipientEvents } from './delivery-ports';
import { type ClaimedDelivery, DeliveryRepository, type DeliveryResult } from './delivery.repository';
import { DeliverySender } from './delivery-sender';
import { TransportHealth } from './transport-health';

const FLUSH_INTERVAL_MS = 250;
/** An edition pauses only after this many finished deliveries, so two early failures cannot stop a send. */
export const FAILURE_PAUSE_MIN_SAMPLE = 20;

/**
 * Sends one claimed batch, SMTP_POOL_SIZE × 2 at a time, and writes results back every FLUSH_INTERVAL_MS (or
 * every few messages) in one statement, so a row is `sent` moments after the server accepted it and a crash
 * can repeat only rows in flight. Between flushes it asks which editions may still send (an editor's pause or
 * cancel stops the rest of the batch) and reports editions whose failures pass
 * DELIVERY_FAILURE_PAUSE_PERCENT.
 */
@Injectable()
export class DeliveryBatch {
  private readonly logger = new Logger('DeliveryWorker');

  constructor(
    private readonly config: AppConfig,
    private readonly ledger: DeliveryRepository,
    private readonly sender: DeliverySender,
    private readonly health: TransportHealth,
    @Inject(EDITION_LIFECYCLE) private readonly lifecycle: EditionLifecycle,
    @Inject(RECIPIENT_EVENTS) private readonly recipients: RecipientEvents,
  ) {}

  /** Two per pooled connection, so each connection has the next message ready when one is accepted. */
  get concurrency(): number {
    return this.config.env.SMTP_POOL_SIZE * 2;
  }

  /** `running` false (shutting down) hands every unsent claim back untouched. */
  async send(batch: ClaimedDelivery[], running: () => boolean): Promise<void> {
    const leaseSeconds = this.config.env.DELIVERY_LEASE_SECONDS;
    const pending: DeliveryResult[] = [];
    const unfinished = new Set(batch.map((d) => d.id));
    const halted = new Set<string>();
    let lastFlush = Date.now();
    let flushing: Promise<void> = Promise.resolve();

    const flush = (): Promise<void> => {
      flushing = flushing.then(async () => {
        const results = pending.splice(0);
        lastFlush = Date.now();
        if (results.length > 0) {
          await this.writeBack(results);
          results.forEach((r) => unfinished.delete(r.id));
        }
        const sending = new Set(await this.lifecycle.sendingEditions());
        batch.filter((d) => !sending.has(d.edition_id)).forEach((d) => halted.add(d.edition_id));
        const troubled = new Set(
          results.filter((r) => r.status === 'failed' || r.status === 'bounced').map((r) => r.editionId),
        );
        for (const editionId of troubled) {
          await this.pauseIfFailing(editionId, results.find((r) => r.editionId === editionId && r.error)?.error);
        }
      });
      return flushing;
    };
    // Senders do not wait for a flush: flushes run one after another in the background, and a failed one
    // surfaces at the final flush of the batch (the chain stays rejected).
    const record = (result: DeliveryResult) => {
      pending.push(result);
      if (pending.length >= Math.max(10, this.concurrency * 2) || Date.now() - lastFlush >= FLUSH_INTERVAL_MS) {
        lastFlush = Date.now();
        flush().catch(() => undefined);
      }
    };

    // Heartbeat: the claims' leases are renewed on a timer while the batch is in flight, whether or not any
    // message finishes, so a live worker stalled on a slow server never loses its rows to another worker.
    const heartbeat = setInterval(
      () => {
        if (unfinished.size > 0) {
          this.ledger
            .renewLeases([...unfinished], leaseSeconds)
            .catch((err: unknown) => this.logger.warn(`Lease renewal failed: ${errorMessage(err)}`));
        }
      },
      (leaseSeconds * 1000) / 3,
    );

    let next = 0;
    const runner = async () => {
      while (next < batch.length) {
        const delivery = batch[next++];
        if (!running() || halted.has(delivery.edition_id)) {
          // Shutting down, or the edition was paused/cancelled: the claim goes back untouched.
          record(handBack(delivery));
          continue;
        }
        if (this.health.paused) {
          // The SMTP server is unreachable: the rest waits out the transport's backoff, no attempt used.
          record(handBack(delivery, this.health.secondsLeft));
          continue;
        }
        record(await this.sender.deliver(delivery));
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.concurrency, batch.length) }, runner));
      await flush();
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async writeBack(results: DeliveryResult[]): Promise<void> {
    const bounced = await this.ledger.writeBack(results);
    if (bounced.length > 0) {
      await this.recipients.bounced(bounced);
    }
  }

  /**
   * Reports an edition whose failed + bounced deliveries exceed DELIVERY_FAILURE_PAUSE_PERCENT of its finished
   * ones (sent + failed + bounced), once at least FAILURE_PAUSE_MIN_SAMPLE have finished. Bounces count: a
   * server refusing most addresses usually means our setup is wrong, not the readers'.
   */
  private async pauseIfFailing(editionId: string, lastError: string | null | undefined): Promise<void> {
    const limitPercent = this.config.env.DELIVERY_FAILURE_PAUSE_PERCENT;
    const { finished, bad } = await this.ledger.failureStats(editionId);
    if (finished < FAILURE_PAUSE_MIN_SAMPLE || bad * 100 <= limitPercent * finished) {
      return;
    }
    const report = { bad, finished, limitPercent, lastError: lastError ?? null };
    if (await this.lifecycle.failureRatePassed(editionId, report)) {
      this.logger.warn(`Edition ${editionId} paused: ${bad} of ${finished} deliveries failed or bounced`);
    }
  }
}

function handBack(delivery: ClaimedDelivery, retrySeconds = 0): DeliveryResult {
  return {
    id: delivery.id,
    editionId: delivery.edition_id,
    status: 'queued',
    error: null,
    messageId: null,
    retrySeconds,
    attemptsDelta: 0,
  };
}
