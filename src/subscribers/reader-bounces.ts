import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RecipientEvents } from '../delivery/delivery-ports';
import { normaliseEmail } from './email-address';

/** What the delivery ledger learns about readers, applied to their status (readers own it). */
@Injectable()
export class ReaderBounces implements RecipientEvents {
  private readonly logger = new Logger(ReaderBounces.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * pending/active → bounced: the server refused the address for good (a digest, or a confirmation to an
   * address that does not exist), so nothing more is sent to it.
   */
  async bounced(subscriberIds: string[]): Promise<void> {
    const rows: Array<{ n: string }> = await this.dataSource.query(
      `WITH b AS (
         UPDATE subscribers
         SET status = 'bounced', bounced_at = clock_timestamp(), updated_at = clock_timestamp()
         WHERE id = ANY($1::bigint[]) AND status IN ('pending', 'active')
         RETURNING id
       ) SELECT count(*) AS n FROM b`,
      [subscriberIds],
    );
    this.logger.debug(`${rows[0].n} reader(s) marked bounced`);
  }

  /**
   * A late hard bounce makes a pending or active reader `bounced`; a complaint makes any reader `complained`
   * (even one who left: the address must never be mailed again, nor re-subscribed by the signup form).
   */
  async reported(email: string, kind: 'bounced' | 'complained'): Promise<string[]> {
    const address = normaliseEmail(email);
    if (!address) {
      return [];
    }
    const from = kind === 'bounced' ? ['pending', 'active'] : ['pending', 'active', 'unsubscribed', 'bounced'];
    const rows: Array<{ id: string; changed: boolean }> = await this.dataSource.query(
      `WITH changed AS (
         UPDATE subscribers
         SET status = $2,
             bounced_at = CASE WHEN $2 = 'bounced' THEN clock_timestamp() ELSE bounced_at END,
             updated_at = clock_timestamp()
         WHERE email_key = $1 AND status = ANY($3::text[])
         RETURNING id
       )
       SELECT s.id::text, (c.id IS NOT NULL) AS changed
       FROM subscribers s LEFT JOIN changed c ON c.id = s.id
       WHERE s.email_key = $1`,
      [address.key, kind, from],
    );
    this.logger.log(`Late report: reader ${rows[0]?.id ?? '(unknown address)'} ${kind}`);
    return rows.map((r) => r.id);
  }
}
