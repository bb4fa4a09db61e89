/** How a Message-ID nashra wrote names its delivery row (pure: no database, shared by ledger and reports). */

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
export function namedDelivery(messageId: string | null, n: number): { where: string; value: string } | null {
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
