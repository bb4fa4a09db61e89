import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { returnedRows } from '../../database/returning';

/** What late reports read and change in the ledger: the delivery a Message-ID names, and its `bounced` mark. */
@Injectable()
export class LateReportLedger {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * A late hard bounce: the delivery it names (by Message-ID), or else each reader's latest sent one, becomes
   * `bounced`. Returns how many rows changed.
   */
  async markLateBounce(subscriberIds: string[], messageId: string | null, reason: string): Promise<number> {
    const named = namedDelivery(messageId, 3);
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE deliveries SET status = 'bounced', last_error = $2, updated_at = clock_timestamp()
         WHERE status = 'sent' AND id IN (
           SELECT DISTINCT ON (subscriber_id) id FROM deliveries
           WHERE subscriber_id = ANY($1::bigint[]) AND status = 'sent' ${named ? `AND ${named.where}` : ''}
           ORDER BY subscriber_id, sent_at DESC NULLS LAST, id DESC)
         RETURNING id`,
        [subscriberIds, reason, ...(named ? [named.value] : [])],
      ),
    );
    return rows.length;
  }

  /** The reader a Message-ID was sent to, for reports that hide the address; null when it is not one of ours. */
  async recipientOf(messageId: string): Promise<string | null> {
    const query = recipientQuery(messageId);
    const rows: Array<{ subscriber_id: string }> = await this.dataSource.query(query.sql, query.params);
    return rows[0]?.subscriber_id ?? null;
  }
}

/** The SELECT behind recipientOf (its plan is checked by test/delivery/message-key-index.e2e-spec.ts). */
export function recipientQuery(messageId: string): { sql: string; params: string[] } {
  const named = namedDelivery(messageId, 1)!;
  return { sql: `SELECT subscriber_id::text FROM deliveries WHERE ${named.where} LIMIT 1`, params: [named.value] };
}

/**
 * The condition naming the delivery of a Message-ID, as parameter $n. One nashra wrote carries the row's
 * message_key (ix_deliveries_message_key, over finished rows: a report only names a message the server took);
 * any other is looked up by the stored message_id, which only rows sent
 * before message_key existed can match. Kept apart rather than OR-ed: with `message_key = … OR message_id = …`
 * the planner cannot use the index and reads the whole ledger.
 */
function namedDelivery(messageId: string | null, n: number): { where: string; value: string } | null {
  if (!messageId) {
    return null;
  }
  const key = messageKeyOf(messageId);
  return key
    ? { where: `message_key = $${n}::uuid AND status NOT IN ('queued', 'sending')`, value: key }
    : { where: `message_id = $${n}`, value: messageId };
}

/** deliveries.message_key from a Message-ID nashra wrote (`<32 hex digits@domain>`, see deliveryMessageId). */
export function messageKeyOf(messageId: string | null): string | null {
  const hex = messageId ? /^<?([0-9a-f]{32})@/i.exec(messageId)?.[1]?.toLowerCase() : undefined;
  return hex
    ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    : null;
}
