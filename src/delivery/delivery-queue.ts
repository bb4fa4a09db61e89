import { Injectable } from '@nestjs/common';
import type { DeliveryStatus } from './delivery.entity';

/**
 * Hands an edition's audience to the delivery ledger (the delivery issue implements it): one set-based
 * `INSERT … SELECT … ON CONFLICT DO NOTHING` of every active reader of the edition's frequency, with each
 * reader's topic segment computed in SQL.
 */
@Injectable()
export class DeliveryQueue {
  queueEdition(_editionId: string): Promise<{ queued: number; skipped: number }> {
    throw new Error('DeliveryQueue.queueEdition is not implemented yet (delivery issue)');
  }

  countsByStatus(_editionId: string): Promise<Record<DeliveryStatus, number>> {
    throw new Error('DeliveryQueue.countsByStatus is not implemented yet (delivery issue)');
  }

  retryFailed(_editionId: string): Promise<number> {
    throw new Error('DeliveryQueue.retryFailed is not implemented yet (delivery issue)');
  }
}
