import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Locale } from '../common/locale';
import { NotFoundError } from '../common/domain-errors';
import type { Frequency } from '../common/frequency';
import { DeliveryQueue } from '../delivery/delivery-queue';
import { EDITION_LABELS, type EditionLabels } from './edition-labels';
import { normaliseEmail } from './email-address';
import { READER_ACTIVITY, type ReaderActivity, type ReaderClick, type ReaderOpen } from './reader-activity';
import type { ConsentRecord, SubscriberStatus } from './subscriber.entity';
import { Suppressions } from './suppressions';
import { SubscribersRepository } from './subscribers.repository';

export interface SubscriberSummary {
  id: string;
  email: string;
  status: SubscriberStatus;
  frequency: Frequency;
  topics: string[];
  createdAt: Date;
}

export interface SubscriberExport {
  exportedAt: string;
  subscriber: SubscriberSummary & {
    locale: string;
    consent: ConsentRecord | null;
    confirmationSentAt: Date | null;
    confirmationExpiresAt: Date | null;
    confirmedAt: Date | null;
    unsubscribedAt: Date | null;
    bouncedAt: Date | null;
    updatedAt: Date;
  };
  /** The reader's subscriptions, by newsletter slug, with their own state and consent. */
  subscriptions: Array<{
    newsletter: string;
    name: string;
    status: 'active' | 'unsubscribed';
    consent: ConsentRecord | null;
    createdAt: Date;
    unsubscribedAt: Date | null;
    unsubscribeReason: string | null;
  }>;
  deliveries: Array<{
    editionId: string;
    editionKey: string | null;
    subject: string | null;
    status: string;
    attempts: number;
    lastError: string | null;
    messageId: string | null;
    sentAt: Date | null;
    createdAt: Date;
  }>;
  /** Links of editions the reader followed (with click tracking on) and editions' emails opened. */
  clicks: Array<ReaderClick & { editionKey: string | null }>;
  opens: Array<ReaderOpen & { editionKey: string | null }>;
  /**
   * How far back `deliveries`, `clicks` and `opens` go: an edition's per-reader rows are removed
   * DELIVERY_RETENTION_DAYS after its last message (its totals stay, without anyone's address).
   */
  deliveryHistory: { keptDays: number; note: string; noteAr: string };
}

/** Editors' answers to privacy requests: find a reader, export all we hold, erase (keeping only a hash). */
@Injectable()
export class SubscriberPrivacyService {
  private readonly logger = new Logger(SubscriberPrivacyService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly suppressions: Suppressions,
    private readonly readers: SubscribersRepository,
    private readonly deliveryQueue: DeliveryQueue,
    @Inject(EDITION_LABELS) private readonly editionLabels: EditionLabels,
    @Inject(READER_ACTIVITY) private readonly activity: ReaderActivity,
    private readonly config: AppConfig,
    private readonly locale: Locale,
  ) {}

  async findByEmail(email: string): Promise<{ subscribers: SubscriberSummary[]; suppressed: boolean }> {
    const address = normaliseEmail(email);
    if (!address) {
      return { subscribers: [], suppressed: false };
    }
    const subscribers = (await this.dataSource.query(
      `SELECT id, email, status, frequency, topics, created_at AS "createdAt" FROM subscribers WHERE email_key = $1`,
      [address.key],
    )) as SubscriberSummary[];
    return { subscribers, suppressed: await this.suppressions.isSuppressed(address.key) };
  }

  async export(id: string, now: Date): Promise<SubscriberExport> {
    const [subscriber] = (await this.dataSource.query(
      `SELECT id, email, status, frequency, topics, locale, consent,
              confirmation_sent_at AS "confirmationSentAt", confirmation_expires_at AS "confirmationExpiresAt",
              confirmed_at AS "confirmedAt", unsubscribed_at AS "unsubscribedAt", bounced_at AS "bouncedAt",
              created_at AS "createdAt", updated_at AS "updatedAt"
       FROM subscribers WHERE id = $1`,
      [id],
    )) as Array<SubscriberExport['subscriber']>;
    if (!subscriber) {
      throw new NotFoundError(`No subscriber ${id}`);
    }
    const subscriptions = (await this.dataSource.query(
      `SELECT n.slug AS newsletter, n.name, s.status, s.consent, s.created_at AS "createdAt",
              s.unsubscribed_at AS "unsubscribedAt", s.unsubscribe_reason AS "unsubscribeReason"
         FROM subscriptions s JOIN newsletters n ON n.id = s.newsletter_id
        WHERE s.subscriber_id = $1 ORDER BY n.position, n.id`,
      [id],
    )) as SubscriberExport['subscriptions'];
    const history = await this.deliveryQueue.historyOf(id);
    const activity = await this.activity.of(id);
    const editionIds = [...history, ...activity.clicks, ...activity.opens].map((d) => d.editionId);
    const labels = await this.editionLabels.labels([...new Set(editionIds)]);
    const keyOf = (editionId: string) => labels.get(editionId)?.key ?? null;
    const deliveries: SubscriberExport['deliveries'] = history.map((d) => ({
      editionId: d.editionId,
      editionKey: keyOf(d.editionId),
      subject: labels.get(d.editionId)?.subject ?? null,
      status: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      messageId: d.messageId,
      sentAt: d.sentAt,
      createdAt: d.createdAt,
    }));
    const clicks = activity.clicks.map((c) => ({ ...c, editionKey: keyOf(c.editionId) }));
    const opens = activity.opens.map((o) => ({ ...o, editionKey: keyOf(o.editionId) }));
    this.logger.log(
      `Subscriber ${id} exported (${deliveries.length} deliveries, ${clicks.length} clicks, ${opens.length} opens)`,
    );
    const keptDays = this.config.delivery.retentionDays;
    const deliveryHistory = {
      keptDays,
      note:
        `Deliveries, clicks and opens of an edition are kept for ${keptDays} days after its last message, ` +
        'then removed; only the edition totals remain, without any address.',
      noteAr: this.locale.t('retention.history', {
        days: this.locale.t('common.duration.days', { count: keptDays }),
      }),
    };
    return { exportedAt: now.toISOString(), subscriber, subscriptions, deliveries, clicks, opens, deliveryHistory };
  }

  /**
   * Deletes the reader and everything keyed to them (deliveries cascade), leaving only the hash of the
   * address on the suppression list so it is never mailed again by mistake (e.g. a re-imported list).
   */
  async erase(id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const emailKey = await this.readers.erase(id, manager);
      if (emailKey === null) {
        throw new NotFoundError(`No subscriber ${id}`);
      }
      await this.suppressions.add(emailKey, 'erased', manager);
    });
    this.logger.log(`Subscriber ${id} erased; address kept only as a hash on the suppression list`);
  }
}
