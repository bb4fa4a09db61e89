import { Injectable, Logger } from '@nestjs/common';
import type { RecipientEvents, ReportedRecipient, SoftBounceRule } from '../delivery/delivery-ports';
import { normaliseEmail } from './email-address';
import { SubscribersRepository, type ReaderKey } from './subscribers.repository';

/** The reported reader's key (id, or normalised address); null for an address that is not one. */
function readerKey(who: ReportedRecipient): ReaderKey | null {
  if ('subscriberId' in who) {
    return { id: who.subscriberId };
  }
  const address = normaliseEmail(who.email);
  return address ? { emailKey: address.key } : null;
}

/** What the delivery ledger learns about readers, applied to their status (SUBSCRIBER_CHANGES.bounce / complain). */
@Injectable()
export class ReaderBounces implements RecipientEvents {
  private readonly logger = new Logger(ReaderBounces.name);

  constructor(private readonly readers: SubscribersRepository) {}

  /**
   * pending/active → bounced: the server refused the address for good (a digest, or a confirmation to an
   * address that does not exist), so nothing more is sent to it.
   */
  async bounced(subscriberIds: string[]): Promise<void> {
    const n = await this.readers.bounce(subscriberIds);
    this.logger.debug(`${n} reader(s) marked bounced`);
  }

  /**
   * A late hard bounce makes a pending or active reader `bounced`; a complaint makes any reader `complained`
   * (even one who left: the address must never be mailed again, nor re-subscribed by the signup form).
   */
  async reported(who: ReportedRecipient, kind: 'bounced' | 'complained'): Promise<string[]> {
    const key = readerKey(who);
    if (!key) {
      return [];
    }
    const rows = await this.readers.reported(key, kind === 'bounced' ? 'bounce' : 'complain');
    this.logger.log(`Late report: reader ${rows[0]?.id ?? '(unknown address)'} ${kind}`);
    return rows.map((r) => r.id);
  }

  /**
   * One more soft bounce for a pending or active reader. The count starts again when the window since its
   * first soft bounce has passed, and the same Message-ID reported twice (a provider's retries) counts once.
   * Reaching the limit makes the reader `bounced`. A delivery that succeeds does not reset the count: the
   * window already forgets old soft bounces, and an address that bounces three digests in a month while
   * taking a fourth is still one to stop mailing.
   */
  async softBounced(
    who: ReportedRecipient,
    messageId: string | null,
    rule: SoftBounceRule,
  ): Promise<{ readers: string[]; bounced: string[] }> {
    const key = readerKey(who);
    if (!key) {
      return { readers: [], bounced: [] };
    }
    const rows = await this.readers.softBounce(key, messageId, rule.limit, rule.windowDays);
    const bounced = rows.filter((r) => r.status === 'bounced').map((r) => r.id);
    this.logger.log(`Soft bounce: ${rows.length} reader(s) counted, ${bounced.length} reached the limit`);
    return { readers: rows.map((r) => r.id), bounced };
  }
}
