import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RecipientEvents } from '../delivery/delivery-ports';

/** What the delivery ledger learns about readers, applied to their status (readers own it). */
@Injectable()
export class ReaderBounces implements RecipientEvents {
  private readonly logger = new Logger(ReaderBounces.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** active → bounced: the server refused the address for good, so no later edition is sent to it. */
  async bounced(subscriberIds: string[]): Promise<void> {
    const rows: Array<{ n: string }> = await this.dataSource.query(
      `WITH b AS (
         UPDATE subscribers
         SET status = 'bounced', bounced_at = clock_timestamp(), updated_at = clock_timestamp()
         WHERE id = ANY($1::bigint[]) AND status = 'active'
         RETURNING id
       ) SELECT count(*) AS n FROM b`,
      [subscriberIds],
    );
    this.logger.debug(`${rows[0].n} reader(s) marked bounced`);
  }
}
