import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RecipientEvents, ReportedRecipient, SoftBounceRule } from '../delivery/delivery-ports';
import { returnedRows } from '../database/returning';
import { normaliseEmail } from './email-address';

/** `email_key = $1` or `id = $1`, and the parameter, for a reported reader; null for an address that is not one. */
function readerMatch(who: ReportedRecipient): { where: string; param: string } | null {
  if ('subscriberId' in who) {
    return { where: 'id = $1::bigint', param: who.subscriberId };
  }
  const address = normaliseEmail(who.email);
  return address ? { where: 'email_key = $1', param: address.key } : null;
}

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
  async reported(who: ReportedRecipient, kind: 'bounced' | 'complained'): Promise<string[]> {
    const match = readerMatch(who);
    if (!match) {
      return [];
    }
    const from = kind === 'bounced' ? ['pending', 'active'] : ['pending', 'active', 'unsubscribed', 'bounced'];
    const rows: Array<{ id: string; changed: boolean }> = await this.dataSource.query(
      `WITH changed AS (
         UPDATE subscribers
         SET status = $2,
             bounced_at = CASE WHEN $2 = 'bounced' THEN clock_timestamp() ELSE bounced_at END,
             updated_at = clock_timestamp()
         WHERE ${match.where} AND status = ANY($3::text[])
         RETURNING id
       )
       SELECT s.id::text, (c.id IS NOT NULL) AS changed
       FROM subscribers s LEFT JOIN changed c ON c.id = s.id
       WHERE s.${match.where}`,
      [match.param, kind, from],
    );
    this.logger.log(`Late report: reader ${rows[0]?.id ?? '(unknown address)'} ${kind}`);
    return rows.map((r) => r.id);
  }

  /**
   * One more soft bounce for a pending or active reader. The count starts again when the window since its
   * first soft bounce has passed, and the same Message-ID reported twice (a provider's retries) counts once.
   * Reaching the limit makes the reader `bounced`. A delivery that succeeds does not reset the count: the
   * window already forgets old soft bounces, and an address that bounces three digests in a month while
   * taking a fourth is still one to stop mailing.
   * The expressions read the row's own values, so two reports at once each count (the row lock orders them).
   */
  async softBounced(
    who: ReportedRecipient,
    messageId: string | null,
    rule: SoftBounceRule,
  ): Promise<{ readers: string[]; bounced: string[] }> {
    const match = readerMatch(who);
    if (!match) {
      return { readers: [], bounced: [] };
    }
    const restart = `(soft_bounces_since IS NULL OR soft_bounces_since <= clock_timestamp() - $3::int * interval '1 day')`;
    const count = `(CASE WHEN ${restart} THEN 1 ELSE soft_bounces + 1 END)`;
    const rows = returnedRows<{ id: string; status: string }>(
      await this.dataSource.query(
        `UPDATE subscribers
         SET soft_bounces = ${count},
             soft_bounces_since = CASE WHEN ${restart} THEN clock_timestamp() ELSE soft_bounces_since END,
             last_soft_bounce_message_id = coalesce($4, last_soft_bounce_message_id),
             status = CASE WHEN ${count} >= $2 THEN 'bounced' ELSE status END,
             bounced_at = CASE WHEN ${count} >= $2 THEN clock_timestamp() ELSE bounced_at END,
             updated_at = clock_timestamp()
         WHERE ${match.where} AND status IN ('pending', 'active')
           AND ($4::text IS NULL OR last_soft_bounce_message_id IS DISTINCT FROM $4)
         RETURNING id::text, status`,
        [match.param, rule.limit, rule.windowDays, messageId],
      ),
    );
    const bounced = rows.filter((r) => r.status === 'bounced').map((r) => r.id);
    this.logger.log(`Soft bounce: ${rows.length} reader(s) counted, ${bounced.length} reached the limit`);
    return { readers: rows.map((r) => r.id), bounced };
  }
}
