import { Injectable, Logger } from '@nestjs/common';
import { InvalidInputError } from '../common/domain-errors';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { hashToken, newToken } from '../common/secure-token';
import { AppConfig } from '../config/app-config';
import { ConfirmationMailer } from './confirmation-mailer';
import type { EmailAddress } from './email-address';
import type { Frequency } from '../common/frequency';
import type { ConsentRecord, SubscriberStatus } from './subscriber.entity';
import { Suppressions } from './suppressions';
import { returnedRows } from '../database/returning';

/** One confirmation email per address per this many milliseconds, however often the form is sent. */
export const CONFIRMATION_RESEND_INTERVAL_MS = 10 * 60 * 1000;

/** What TypeORM's postgres driver returns for UPDATE/DELETE: the RETURNING rows and the affected count. */

export type ConfirmOutcome = 'confirmed' | 'expired' | 'invalid';

export interface SignupRequest {
  address: EmailAddress;
  frequency: Frequency;
  /** Evidence of consent; the time is added here, from the Clock. */
  consent: Omit<ConsentRecord, 'at'>;
}

export interface ReaderSettings {
  id: string;
  email: string;
  status: SubscriberStatus;
  frequency: Frequency;
  topics: string[];
  /** False when the reader asked not to have their clicks tracked. */
  trackClicks: boolean;
}

/**
 * A reader's life as a subscriber: signup (double opt-in), confirmation, unsubscribe, preferences. Every
 * change is one conditional UPDATE, so two requests racing on the same reader cannot both win.
 */
export interface TopicChoice {
  key: string;
  name: string;
  followers: number;
  checked: boolean;
}

@Injectable()
export class SubscriptionsService {
  private readonly logger = new Logger(SubscriptionsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly mailer: ConfirmationMailer,
    private readonly suppressions: Suppressions,
  ) {}

  /**
   * Records a signup and, for a new or still-pending address, sends a confirmation email (at most one per
   * CONFIRMATION_RESEND_INTERVAL_MS). The caller answers the same whatever happens here, so nobody can
   * learn who subscribes.
   */
  async signup({ address, frequency, consent }: SignupRequest): Promise<void> {
    if (await this.suppressions.isSuppressed(address.key)) {
      this.logger.log('Signup for an erased (suppressed) address ignored');
      return;
    }
    // A reader who left and comes back starts again as pending; active, bounced and complained readers are
    // left as they are (a signup form must not reactivate an address that bounced or complained).
    const [row] = (await this.dataSource.query(
      `INSERT INTO subscribers (email, email_key, status, frequency, consent)
       VALUES ($1, $2, 'pending', $3, $4)
       ON CONFLICT (email_key) DO UPDATE SET
         status = CASE WHEN subscribers.status = 'unsubscribed' THEN 'pending' ELSE subscribers.status END,
         frequency = CASE WHEN subscribers.status IN ('pending', 'unsubscribed') THEN EXCLUDED.frequency
                     ELSE subscribers.frequency END,
         consent = CASE WHEN subscribers.status IN ('pending', 'unsubscribed') THEN EXCLUDED.consent
                   ELSE subscribers.consent END,
         -- A reader who left starts a new opt-in: the resend throttle must not swallow its first email.
         confirmation_sent_at = CASE WHEN subscribers.status = 'unsubscribed' THEN NULL
                                ELSE subscribers.confirmation_sent_at END,
         updated_at = now()
       RETURNING id, status, (xmax = 0) AS inserted`,
      [address.email, address.key, frequency, JSON.stringify({ at: this.clock.now().toISOString(), ...consent })],
    )) as Array<{ id: string; status: SubscriberStatus; inserted: boolean }>;
    this.logger.log(`Signup: subscriber ${row.id} ${row.inserted ? 'created' : `already ${row.status}`}`);
    if (row.status === 'pending') {
      await this.sendConfirmation(row.id);
    }
  }

  /** Claims this reader's send slot (once per interval) with a fresh token, then mails it. */
  private async sendConfirmation(id: string): Promise<void> {
    const now = this.clock.now();
    const token = newToken();
    const expires = new Date(now.getTime() + this.config.env.CONFIRM_TOKEN_TTL_HOURS * 3600_000);
    const cutoff = new Date(now.getTime() - CONFIRMATION_RESEND_INTERVAL_MS);
    const [claimed] = returnedRows<{ email: string; previousSentAt: Date | null }>(
      await this.dataSource.query(
        `WITH previous AS (SELECT id, confirmation_sent_at FROM subscribers WHERE id = $1)
       UPDATE subscribers s
       SET confirmation_token_hash = $2, confirmation_expires_at = $3, confirmation_sent_at = $4, updated_at = now()
       FROM previous
       WHERE s.id = previous.id AND s.status = 'pending'
         AND (s.confirmation_sent_at IS NULL OR s.confirmation_sent_at <= $5)
       RETURNING s.email, previous.confirmation_sent_at AS "previousSentAt"`,
        [id, hashToken(token), expires, now, cutoff],
      ),
    );
    if (!claimed) {
      this.logger.log(`Subscriber ${id}: confirmation sent less than 10 minutes ago, not resending`);
      return;
    }
    this.mailer.sendLater(id, claimed.email, token, async () => {
      // The email never left: give the slot back so the reader can ask again straight away.
      await this.dataSource.query(
        `UPDATE subscribers SET confirmation_sent_at = $2 WHERE id = $1 AND confirmation_token_hash = $3`,
        [id, claimed.previousSentAt, hashToken(token)],
      );
    });
  }

  /** Confirms the reader whose email carried this token; the token works once, until it expires. */
  async confirm(token: string): Promise<ConfirmOutcome> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) {
      return 'invalid';
    }
    const hash = hashToken(token);
    const now = this.clock.now();
    const [confirmed] = returnedRows<{ id: string }>(
      await this.dataSource.query(
        `UPDATE subscribers
       SET status = 'active', confirmed_at = $2, unsubscribed_at = NULL, unsubscribe_reason = NULL,
           last_engaged_at = $2, confirmation_token_hash = NULL, confirmation_expires_at = NULL, updated_at = now()
       WHERE confirmation_token_hash = $1 AND status = 'pending' AND confirmation_expires_at > $2
       RETURNING id`,
        [hash, now],
      ),
    );
    if (confirmed) {
      this.logger.log(`Subscriber ${confirmed.id} confirmed`);
      return 'confirmed';
    }
    const [expired] = (await this.dataSource.query(
      `SELECT id FROM subscribers WHERE confirmation_token_hash = $1 AND confirmation_expires_at <= $2`,
      [hash, now],
    )) as Array<{ id: string }>;
    return expired ? 'expired' : 'invalid';
  }

  /** Stops all mail to this reader. Idempotent: leaving twice, or after erasure, is still "left". */
  async unsubscribe(id: string): Promise<void> {
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE subscribers
       SET status = 'unsubscribed', unsubscribed_at = $2, unsubscribe_reason = 'reader', confirmation_token_hash = NULL,
           confirmation_expires_at = NULL, updated_at = now()
       WHERE id = $1 AND status IN ('pending', 'active')
       RETURNING id`,
        [id, this.clock.now()],
      ),
    );
    if (rows.length > 0) {
      this.logger.log(`Subscriber ${id} unsubscribed`);
    }
  }

  async settings(id: string): Promise<ReaderSettings | null> {
    const [row] = (await this.dataSource.query(
      'SELECT id, email, status, frequency, topics, track_clicks AS "trackClicks" FROM subscribers WHERE id = $1',
      [id],
    )) as ReaderSettings[];
    return row ?? null;
  }

  /** Changes frequency, topics, click tracking; undefined leaves each as it is. Unknown topics → 400. */
  async updateSettings(
    id: string,
    changes: { frequency?: Frequency; topics?: string[]; trackClicks?: boolean },
  ): Promise<boolean> {
    let topics = changes.topics;
    if (topics) {
      topics = [...new Set(topics)];
      // Only topics editors let readers follow (followable, not hidden) can be chosen.
      const known = (await this.dataSource.query(
        'SELECT key FROM topics WHERE key = ANY($1::text[]) AND followable AND NOT hidden',
        [topics],
      )) as Array<{ key: string }>;
      if (known.length !== topics.length) {
        throw new InvalidInputError('readers.errors.topics');
      }
    }
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE subscribers
       SET frequency = COALESCE($2, frequency), topics = COALESCE($3::text[], topics),
           track_clicks = COALESCE($4::boolean, track_clicks), updated_at = now()
       WHERE id = $1 RETURNING id`,
        [id, changes.frequency ?? null, topics ?? null, changes.trackClicks ?? null],
      ),
    );
    return rows.length > 0;
  }

  /** Every topic, the most followed (by active readers) first, then by name. */
  async topicChoices(selected: string[]): Promise<TopicChoice[]> {
    const topics = (await this.dataSource.query(
      `SELECT t.key, t.name, coalesce(f.followers, 0)::int AS followers
         FROM topics t
         LEFT JOIN (SELECT unnest(topics) AS key, count(*) AS followers FROM subscribers
                     WHERE status = 'active' GROUP BY 1) f ON f.key = t.key
        WHERE t.followable AND NOT t.hidden
        ORDER BY followers DESC, t.name`,
    )) as Array<{ key: string; name: string; followers: number }>;
    return topics.map((t) => ({ ...t, checked: selected.includes(t.key) }));
  }
}
