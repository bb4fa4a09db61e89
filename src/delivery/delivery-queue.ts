import { Injectable, Logger } from '@nestjs/common';
import { type Audience, type EditionLifecycle, type SendAllowance, DeliveryPorts } from './delivery-ports';
import { DeliveryRepository, type ReaderDelivery } from './delivery.repository';
import type { DeliveryStatus } from './delivery.entity';
import { LedgerPartitions } from './ledger-partitions';
import { TransportHealth, type TransportState } from './transport-health';

export { NO_MATCHING_ARTICLES_SEGMENT } from './delivery.repository';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  'queued',
  'sending',
  'sent',
  'failed',
  'bounced',
  'skipped',
];

/** What editors see while an edition goes out (GET /admin/digests/:id). */
export interface DeliveryProgress {
  counts: Record<DeliveryStatus, number>;
  /** Every ledger row of the edition. */
  total: number;
  /** Rows still to send: queued + sending. */
  remaining: number;
  /** Messages accepted per second over the last minute (0 when nothing was sent lately). */
  ratePerSecond: number;
  /** Seconds until remaining reaches zero at the current rate; null when there is no rate to go by. */
  etaSeconds: number | null;
  lastSentAt: Date | null;
  /** The mail server's state, shared by all processes: `reachable: false` shows "SMTP unreachable since …". */
  transport: TransportState;
}

/**
 * The delivery ledger's front door: queues an edition's audience in one set-based statement, and reports
 * and repairs the ledger's state. Workers (DeliveryWorker) do the sending.
 */
@Injectable()
export class DeliveryQueue {
  private readonly logger = new Logger(DeliveryQueue.name);
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly ports: DeliveryPorts,
    private readonly ledger: DeliveryRepository,
    private readonly health: TransportHealth,
    private readonly partitions: LedgerPartitions,
  ) {}

  private get lifecycle(): EditionLifecycle {
    return this.ports.editionLifecycle.get();
  }

  private get allowance(): SendAllowance | undefined {
    return this.ports.sendAllowance.find();
  }

  /**
   * Queues every reader of the audience (by default the edition's own, from its owner), once: a second call
   * is a no-op. A reader whose segment is null (nothing in the edition for them) gets a `skipped` row: no
   * email, but the ledger says why they got nothing.
   */
  async queueEdition(editionId: string, audience?: Audience): Promise<{ queued: number; skipped: number }> {
    const held = this.allowance?.holdsNewRows() ?? false;
    // The edition's ledger partition (and the next) made ahead; if it cannot be, rows go to the DEFAULT one.
    await this.partitions.ensureFor(editionId);
    const result = await this.ledger.queueAudience(
      editionId,
      audience ?? (await this.lifecycle.audienceOf(editionId)),
      held,
    );
    this.logger.log(
      `Edition ${editionId}: queued ${result.queued} deliveries${held ? ' (held for the warm-up allowance)' : ''}, skipped ${result.skipped}`,
    );
    if (held && result.queued > 0) {
      await this.allowance!.heldRowsQueued((count) => this.releaseHeld(count));
    }
    if (result.queued > 0) {
      this.notifyWork();
    }
    return result;
  }

  /** Ledger rows of an edition per status, every status present (zeros included). */
  async countsByStatus(editionId: string): Promise<Record<DeliveryStatus, number>> {
    const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
    for (const row of await this.ledger.countsByStatus(editionId)) {
      counts[row.status] = row.n;
    }
    return counts;
  }

  /** Makes up to `count` held rows due, the most engaged readers' first (see DeliveryRepository.releaseHeld). */
  async releaseHeld(count: number): Promise<number> {
    const released = count > 0 ? await this.ledger.releaseHeld(count) : 0;
    if (released > 0) {
      this.notifyWork();
    }
    return released;
  }

  heldCount(): Promise<number> {
    return this.ledger.heldCount();
  }

  /** Counts, rate and ETA of an edition's send, for logs and the editors' API. */
  async progress(editionId: string): Promise<DeliveryProgress> {
    const [counts, recent, transport] = await Promise.all([
      this.countsByStatus(editionId),
      this.ledger.recentSends(editionId),
      this.health.state(),
    ]);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const remaining = counts.queued + counts.sending;
    // At least one second of span, so the first few messages do not promise an absurd rate.
    const ratePerSecond = recent.n > 0 ? recent.n / Math.max(1, recent.span) : 0;
    return {
      counts,
      total,
      remaining,
      ratePerSecond: Math.round(ratePerSecond * 10) / 10,
      etaSeconds: remaining === 0 ? 0 : ratePerSecond > 0 ? Math.ceil(remaining / ratePerSecond) : null,
      lastSentAt: recent.lastSentAt ? new Date(recent.lastSentAt) : null,
      transport,
    };
  }

  /**
   * Gives failed deliveries a fresh set of attempts, and tells the edition's owner (which sends a finished or
   * automatically paused edition again; an edition an editor paused or cancelled keeps its status). Returns
   * how many deliveries were re-queued.
   */
  async retryFailed(editionId: string): Promise<number> {
    const requeued = await this.ledger.requeueFailed(editionId);
    if (requeued > 0) {
      await this.lifecycle.failedRowsRequeued(editionId);
    }
    this.logger.log(`Edition ${editionId}: ${requeued} failed deliveries queued again`);
    if (requeued > 0) {
      this.notifyWork();
    }
    return requeued;
  }

  /** Every delivery of one reader (their privacy export). */
  historyOf(subscriberId: string): Promise<ReaderDelivery[]> {
    return this.ledger.historyOf(subscriberId);
  }

  /** Lets a worker in this process start at once when work is queued, instead of at its next poll. */
  onWork(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notifyWork(): void {
    this.listeners.forEach((wake) => wake());
  }
}
