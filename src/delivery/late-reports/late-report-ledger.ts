import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DeliveryRepository } from '../delivery.repository';
import { recipientQuery } from '../message-key';

export { messageKeyOf, recipientQuery } from '../message-key';

/**
 * What late reports read and change in the ledger: the delivery a Message-ID names, and its `bounced` mark
 * (written by DeliveryRepository, the only writer of deliveries).
 */
@Injectable()
export class LateReportLedger {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly deliveries: DeliveryRepository,
  ) {}

  /**
   * A late hard bounce: the delivery it names (by Message-ID), or else each reader's latest sent one, becomes
   * `bounced`. Returns how many rows changed.
   */
  markLateBounce(subscriberIds: string[], messageId: string | null, reason: string): Promise<number> {
    return this.deliveries.markLateBounce(subscriberIds, messageId, reason);
  }

  /** The reader a Message-ID was sent to, for reports that hide the address; null when it is not one of ours. */
  async recipientOf(messageId: string): Promise<string | null> {
    const query = recipientQuery(messageId);
    const rows: Array<{ subscriber_id: string }> = await this.dataSource.query(query.sql, query.params);
    return rows[0]?.subscriber_id ?? null;
  }
}
