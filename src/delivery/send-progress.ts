import { Injectable, Logger } from '@nestjs/common';
import { DeliveryQueue } from './delivery-queue';

const PROGRESS_LOG_MS = 5000;

/** Every few seconds while this process sends: counts, rate and ETA of each edition it works on. */
@Injectable()
export class SendProgress {
  private readonly logger = new Logger('DeliveryWorker');
  private readonly active = new Set<string>();
  private lastLog = 0;

  constructor(private readonly queue: DeliveryQueue) {}

  working(editionIds: Iterable<string>): void {
    for (const id of editionIds) {
      this.active.add(id);
    }
  }

  async finished(editionId: string): Promise<void> {
    this.active.delete(editionId);
    const counts = await this.queue.countsByStatus(editionId);
    this.logger.log(
      `Edition ${editionId} sent: ${counts.sent} sent, ${counts.failed} failed, ${counts.bounced} bounced, ${counts.skipped} skipped`,
    );
  }

  async log(): Promise<void> {
    if (this.active.size === 0 || Date.now() - this.lastLog < PROGRESS_LOG_MS) {
      return;
    }
    this.lastLog = Date.now();
    for (const editionId of this.active) {
      const p = await this.queue.progress(editionId);
      this.logger.log(
        `Edition ${editionId}: ${p.counts.sent}/${p.total} sent, ${p.counts.failed} failed, ` +
          `${p.counts.bounced} bounced, ${p.remaining} remaining, ${p.ratePerSecond} msg/s, ` +
          `ETA ${p.etaSeconds === null ? 'unknown' : `${p.etaSeconds}s`}`,
      );
      if (p.remaining === 0) {
        this.active.delete(editionId);
      }
    }
  }
}
