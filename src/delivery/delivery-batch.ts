import { Injectable, Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { AppConfig } from '../config/app-config';
import { type EditionLifecycle, type LedgerEvents, type RecipientEvents, DeliveryPorts } from './delivery-ports';
import { type ClaimedDelivery, DeliveryRepository, type DeliveryResult } from './delivery.repository';
import { DeliverySender } from './delivery-sender';
import { TransportHealth } from './transport-health';

/** Results wait at most this long for their write-back (plus the write-back in progress, if any). */
export const FLUSH_INTERVAL_MS = 20;
/** A write-back starts early once this many results wait, so the lag limit below is seldom reached. */
const FLUSH_AT_RESULTS = 5;
/**
 * At most this many messages the server may have accepted wait for their write-back, beyond one per
 * connection: a connection holds its next message back until the count drops. So a kill -9 repeats at most
 * SMTP_POOL_SIZE + RECORD_LAG_LIMIT messages (docs/delivery.md).
 */
export const RECORD_LAG_LIMIT = 10;
/** How often a send asks which editions may still send, and checks failure rates. */
const EDITION_CHECK_MS = 250;
/** An edition pauses only after this many finished deliveries, so two early failures cannot stop a send. */
export const FAILURE_PAUSE_MIN_SAMPLE = 20;

/**
 * More claims for a send in progress: up to `room` rows (fewer, or none when nothing is due, the transport is
 * on hold or the editions stopped), with the editions the lifecycle said were sending when it was asked.
 */
export type Refill = (room: number) => Promise<{ claimed: ClaimedDelivery[]; sending: string[]; askedAt: number }>;

/**
 * Sends claimed deliveries, SMTP_POOL_SIZE × 2 at a time, keeping the pool busy from one claim to the next
 * (double buffering): when half of the rows this process holds are done, the next claim is made in the
 * background (`refill`) while the rest send, so no connection waits on the database. This process never holds
 * more than DELIVERY_BATCH_SIZE claimed rows, so a crash can repeat at most that many.
 *
 * Results are written back every FLUSH_INTERVAL_MS (20 ms, or as soon as FLUSH_AT_RESULTS wait) in one
 * statement, in the background, and at the end of the send. A message that reached the server and is not yet
 * written back would be sent again after a kill -9, so their number is bounded: a connection that has its next
 * message waits before sending it while SMTP_POOL_SIZE + RECORD_LAG_LIMIT such messages are unrecorded
 * (`exposed`). Every EDITION_CHECK_MS a flush also asks which editions may still send (an editor's pause or
 * cancel stops the rest: the rows go back to the queue) and reports editions whose failures pass
 * DELIVERY_FAILURE_PAUSE_PERCENT. The held rows' leases are renewed on a timer (heartbeat) until written back.
 */
@Injectable()
export class DeliveryBatch {
  private readonly logger = new Logger('DeliveryWorker');

  constructor(
    private readonly ports: DeliveryPorts,
    private readonly config: AppConfig,
    private readonly ledger: DeliveryRepository,
    private readonly sender: DeliverySender,
    private readonly health: TransportHealth,
  ) {}

  private get lifecycle(): EditionLifecycle {
    return this.ports.editionLifecycle.get();
  }

  private get recipients(): RecipientEvents {
    return this.ports.recipientEvents.get();
  }

  private get events(): LedgerEvents | undefined {
    return this.ports.ledgerEvents.find();
  }

  /** Two per pooled connection, so each connection has the next message ready when one is accepted. */
  get concurrency(): number {
    return this.config.delivery.poolSize * 2;
  }

  /**
   * Sends `batch`, then whatever `refill` claims, until a refill finds nothing. `running` false (shutting
   * down) hands every unsent claim back untouched, those of a refill in progress included.
   */
  async send(batch: ClaimedDelivery[], running: () => boolean, refill?: Refill): Promise<void> {
    const leaseSeconds = this.config.delivery.leaseSeconds;
    const holdLimit = Math.max(batch.length, this.config.delivery.batchSize);
    const queue: ClaimedDelivery[] = batch.slice();
    let head = 0;
    /** Claimed rows not yet written back: what the heartbeat renews, and the refill's measure. */
    const held = new Set(batch.map((d) => d.id));
    let pending: DeliveryResult[] = [];
    /**
     * Rows whose message went to the server (or is going) and whose result is not yet written back: what a kill
     * would send again. At most SMTP_POOL_SIZE + RECORD_LAG_LIMIT (see `transmitting`).
     */
    const exposed = new Set<string>();
    const exposedLimit = this.config.delivery.poolSize + RECORD_LAG_LIMIT;
    let gateWaiters: Array<() => void> = [];
    /** The newest answer to "which editions may send", from a flush or a refill. */
    let view = { at: 0, editions: new Set<string>() };
    let lastEditionCheck = Date.now();
    /** Editions with a failure or bounce since the last check, with the last error seen. */
    const troubled = new Map<string, string | null>();
    let flushing: Promise<void> = Promise.resolve();
    let flushQueued = false;
    let flushError: unknown;
    let refilling: Promise<void> | undefined;
    let exhausted = !refill;

    const see = (at: number, editions: string[]) => {
      if (at >= view.at) {
        view = { at, editions: new Set(editions) };
      }
    };
    const openGate = () => {
      const waiters = gateWaiters;
      gateWaiters = [];
      waiters.forEach((w) => w());
    };
    /** Awaited by a connection before it sends a message: holds it back while too many are unrecorded. */
    const transmitting = (id: string) => async (): Promise<void> => {
      while (exposed.size >= exposedLimit && flushError === undefined) {
        await new Promise<void>((resolve) => gateWaiters.push(resolve));
      }
      exposed.add(id);
    };
    /** Writes back what waits, and every EDITION_CHECK_MS (or when `final`) checks the editions. */
    const writeWaiting = async (final: boolean): Promise<void> => {
      flushQueued = false;
      if (flushError !== undefined) {
        return;
      }
      try {
        const results = pending;
        pending = [];
        if (results.length > 0) {
          await this.writeBack(results);
          results.forEach((r) => {
            held.delete(r.id);
            exposed.delete(r.id);
          });
          openGate();
          for (const r of results) {
            if (r.status === 'failed' || r.status === 'bounced') {
              troubled.set(r.editionId, r.error ?? troubled.get(r.editionId) ?? null);
            }
          }
        }
        if (final || Date.now() - lastEditionCheck >= EDITION_CHECK_MS) {
          lastEditionCheck = Date.now();
          const askedAt = Date.now();
          see(askedAt, await this.lifecycle.sendingEditions());
          const editions = [...troubled];
          troubled.clear();
          for (const [editionId, lastError] of editions) {
            await this.pauseIfFailing(editionId, lastError);
          }
        }
      } catch (err) {
        // Nothing more is sent in this call: results that cannot be recorded would be sent again by the next
        // worker. The rows stay `sending` until their holder is gone or their lease runs out.
        flushError = err;
        openGate();
      }
    };
    /** Queues one write-back behind the one in progress (never more than one waiting). */
    const flush = (final = false): Promise<void> => {
      if (!flushQueued || final) {
        flushQueued = true;
        flushing = flushing.then(() => writeWaiting(final));
      }
      return flushing;
    };
    // Senders do not wait for a flush: flushes run one after another in the background.
    const record = (result: DeliveryResult) => {
      pending.push(result);
      if (pending.length >= FLUSH_AT_RESULTS) {
        void flush();
      }
    };
    const flushTimer = setInterval(() => {
      if (pending.length > 0 || Date.now() - lastEditionCheck >= EDITION_CHECK_MS) {
        void flush();
      }
    }, FLUSH_INTERVAL_MS);
    const startRefill = () => {
      if (exhausted || refilling || !running() || flushError !== undefined || held.size > holdLimit / 2) {
        return;
      }
      refilling = refill!(holdLimit - held.size)
        .then(({ claimed, sending, askedAt }) => {
          see(askedAt, sending);
          claimed.forEach((d) => held.add(d.id));
          queue.push(...claimed);
          if (claimed.length === 0) {
            exhausted = true;
          }
        })
        .catch((err: unknown) => {
          this.logger.warn(`Claim failed: ${errorMessage(err)}`);
          exhausted = true;
        })
        .finally(() => {
          refilling = undefined;
        });
    };
    /** The next delivery to send; waits for a refill in progress when the queue is empty. */
    const take = async (): Promise<ClaimedDelivery | undefined> => {
      for (;;) {
        if (head < queue.length) {
          const delivery = queue[head];
          queue[head++] = undefined as unknown as ClaimedDelivery;
          if (head > 1024 && head * 2 > queue.length) {
            queue.splice(0, head);
            head = 0;
          }
          startRefill();
          return delivery;
        }
        startRefill();
        if (!refilling) {
          return undefined;
        }
        await refilling;
      }
    };

    const heartbeat = setInterval(
      () => {
        if (held.size > 0) {
          this.ledger
            .renewLeases([...held], leaseSeconds)
            .catch((err: unknown) => this.logger.warn(`Lease renewal failed: ${errorMessage(err)}`));
        }
      },
      (leaseSeconds * 1000) / 3,
    );

    const runner = async () => {
      for (let delivery = await take(); delivery; delivery = await take()) {
        if (!running() || flushError !== undefined || (view.at > 0 && !view.editions.has(delivery.edition_id))) {
          // Shutting down, or the edition was paused/cancelled: the claim goes back untouched.
          record(handBack(delivery));
          continue;
        }
        if (this.health.paused) {
          // The SMTP server is unreachable: the rest waits out the transport's backoff, no attempt used.
          exhausted = true;
          record(handBack(delivery, this.health.secondsLeft));
          continue;
        }
        record(await this.sender.deliver(delivery, transmitting(delivery.id)));
      }
    };
    try {
      const runners = refill ? this.concurrency : Math.min(this.concurrency, batch.length);
      await Promise.all(Array.from({ length: runners }, runner));
      await refilling;
      // Anything a last refill brought after the runners ended (shutdown) goes back.
      queue.slice(head).forEach((d) => record(handBack(d)));
      await flush(true);
      if (flushError !== undefined) {
        throw flushError;
      }
    } finally {
      clearInterval(heartbeat);
      clearInterval(flushTimer);
    }
  }

  private async writeBack(results: DeliveryResult[]): Promise<void> {
    const bounced = await this.ledger.writeBack(results);
    if (bounced.length > 0) {
      await this.recipients.bounced(bounced);
    }
    await this.events?.writtenBack(results);
  }

  /**
   * Reports an edition whose failed + bounced deliveries exceed DELIVERY_FAILURE_PAUSE_PERCENT of its finished
   * ones (sent + failed + bounced), once at least FAILURE_PAUSE_MIN_SAMPLE have finished. Bounces count: a
   * server refusing most addresses usually means our setup is wrong, not the readers'.
   */
  private async pauseIfFailing(editionId: string, lastError: string | null | undefined): Promise<void> {
    const limitPercent = this.config.delivery.failurePausePercent;
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
