import { Injectable, Logger } from '@nestjs/common';
import { InvalidInputError } from '../common/domain-errors';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { hashToken, newToken } from '../common/secure-token';
import { AppConfig } from '../config/app-config';
import { TransactionalOutbox } from '../delivery/transactional-outbox';
import { ReaderEmails } from './reader-emails';
import { ReaderEngagement } from './reader-engagement';
import type { EmailAddress } from './email-address';
import type { Frequency } from '../common/frequency';
import type { ConsentRecord, SubscriberStatus } from './subscriber.entity';
import { SubscriberLinks } from './subscriber-links';
import { Suppressions } from './suppressions';
import { SignupLimits } from './signup-limits';
import { returnedRows } from '../database/returning';

/** How long a process remembers which newsletters are active (signups check their choice against it). */
const NEWSLETTERS_TTL_MS = 5_000;

/** One confirmation email per address per this many milliseconds, however often the form is sent. */
export const CONFIRMATION_RESEND_INTERVAL_MS = 10 * 60 * 1000;

/**
 * The signup's one decision, in one statement (see SubscriptionsService.signup). A new address is inserted
 * pending with the new token; an existing one is updated in place: a reader who left starts again as
 * pending (and gets an email at once, whatever they were sent before), a pending one gets the new token only
 * when no confirmation is queued, in flight, or accepted by the server since the cutoff; active, bounced and
 * complained readers keep everything (a signup form must not reactivate an address that bounced). Suppressed
 * (erased) addresses, bots and signups past a limit (SignupLimits.counting, in the same statement) insert
 * nothing. SIGNUP_DECISION always answers one row: `send` says whether to mail.
 * $1 email, $2 key, $3 frequency, $4 consent, $5 token hash, $6 expiry, $7 now, $8 suppression hash, $9 bot,
 * $10 resend cutoff, $11 newsletter slugs.
 *
 * The newsletters chosen become the reader's active subscriptions (with this consent) only while the reader is
 * pending after the upsert (new, still confirming, or returning): the ones not chosen end. An active reader's
 * subscriptions are theirs to change on the preferences page, never by a form anyone can post.
 */
const SIGNUP_UPSERT = `
  upserted AS (
    INSERT INTO subscribers (email, email_key, status, frequency, consent, confirmation_token_hash,
                             confirmation_expires_at, confirmation_sent_at)
    SELECT $1, $2, 'pending', $3, $4, $5, $6, $7
    WHERE NOT $9::boolean AND NOT EXISTS (SELECT 1 FROM suppressions WHERE email_hash = $8)
      AND (SELECT refusal FROM signup_limits) IS NULL
    ON CONFLICT (email_key) DO UPDATE SET
      status = CASE WHEN subscribers.status = 'unsubscribed' THEN 'pending' ELSE subscribers.status END,
      frequency = CASE WHEN subscribers.status IN ('pending', 'unsubscribed') THEN EXCLUDED.frequency
                  ELSE subscribers.frequency END,
      consent = CASE WHEN subscribers.status IN ('pending', 'unsubscribed') THEN EXCLUDED.consent
                ELSE subscribers.consent END,
      unsubscribe_reason = CASE WHEN subscribers.status = 'unsubscribed' THEN NULL
                           ELSE subscribers.unsubscribe_reason END,
      (confirmation_token_hash, confirmation_expires_at, confirmation_sent_at) = (
        SELECT CASE WHEN due THEN EXCLUDED.confirmation_token_hash ELSE subscribers.confirmation_token_hash END,
               CASE WHEN due THEN EXCLUDED.confirmation_expires_at ELSE subscribers.confirmation_expires_at END,
               CASE WHEN due THEN EXCLUDED.confirmation_sent_at ELSE subscribers.confirmation_sent_at END
        FROM (SELECT subscribers.status = 'unsubscribed' OR (subscribers.status = 'pending' AND NOT EXISTS (
                SELECT 1 FROM transactional_messages m
                WHERE m.subscriber_id = subscribers.id AND m.kind = 'confirmation'
                  AND (m.status IN ('queued', 'sending') OR (m.status = 'sent' AND m.sent_at > $10)))) AS due) d),
      updated_at = now()
    RETURNING id, status, confirmation_token_hash = $5 AS mail
  ),
  chosen AS (SELECT n.id FROM newsletters n WHERE n.slug = ANY($11::text[]) AND n.status = 'active'),
  subscribed AS (
    INSERT INTO subscriptions (subscriber_id, newsletter_id, status, consent)
    SELECT u.id, c.id, 'active', $4 FROM upserted u CROSS JOIN chosen c WHERE u.status = 'pending'
    ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE SET status = 'active', consent = EXCLUDED.consent,
      unsubscribed_at = NULL, unsubscribe_reason = NULL, updated_at = now()
  ),
  not_chosen AS (
    UPDATE subscriptions sub SET status = 'unsubscribed', unsubscribed_at = $7, unsubscribe_reason = 'reader',
      updated_at = now()
    FROM upserted u
    WHERE sub.subscriber_id = u.id AND u.status = 'pending' AND sub.status = 'active'
      AND sub.newsletter_id NOT IN (SELECT id FROM chosen)
  )`;
const SIGNUP_DECISION = `SELECT u.id AS subscriber_id, coalesce(u.mail, false) AS send,
    (SELECT refusal FROM signup_limits) AS refusal
  FROM (SELECT 1) AS one LEFT JOIN upserted u ON true`;

export type ConfirmOutcome = 'confirmed' | 'expired' | 'invalid';

export interface SignupRequest {
  address: EmailAddress;
  /** Slugs of the newsletters chosen (checked against the active newsletters before this is called). */
  newsletters: string[];
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

/** One newsletter as a reader sees it on the preferences page, with their subscription's state. */
export interface ReaderNewsletter {
  slug: string;
  name: string;
  description: string;
  kind: 'digest' | 'alerts';
  /** The reader's subscription: `active`, `unsubscribed`, or null when they never had one. */
  subscription: 'active' | 'unsubscribed' | null;
  since: Date | null;
  unsubscribedAt: Date | null;
}

/**
 * The value kept in subscribers.frequency (older readers' screens and exports): the reader's digest when they
 * take exactly one of the two standard ones, else `daily`.
 */
export function frequencyOf(newsletters: string[]): Frequency {
  return newsletters.includes('weekly') && !newsletters.includes('daily') ? 'weekly' : 'daily';
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
  private newsletterCache: {
    at: number;
    list: Array<{ slug: string; showOnForm: boolean; defaultChecked: boolean }>;
  } | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly emails: ReaderEmails,
    private readonly outbox: TransactionalOutbox,
    private readonly links: SubscriberLinks,
    private readonly engagement: ReaderEngagement,
    private readonly suppressions: Suppressions,
    private readonly limits: SignupLimits,
  ) {}

  /**
   * Records a signup and, for a new, still-pending or returning address, queues a confirmation email (at most
   * one per CONFIRMATION_RESEND_INTERVAL_MS, counted from what the mail server accepted or is still to send).
   *
   * Every path does the same work, so the answer's timing cannot tell who subscribes: new, pending, active,
   * unsubscribed, bounced, erased (suppressed) or a bot (`bot`: the honeypot was filled). One statement: an upsert
   * that decides, in SQL, whether this reader gets an email, feeding the outbox's insert (the real
   * confirmation, or a `skipped` no-op row with no address) in the same statement (TransactionalOutbox
   * .enqueueWith): no BEGIN/COMMIT round trips, which were most of a signup's cost in the bench's profile. The
   * token is drawn and hashed before either, whatever the outcome. The confirmation is stored as its template
   * and the token, and composed by the worker when it sends it: the ~13 KB composed email in every signup's
   * statement was the largest part of its bytes (issue 19, point 7).
   */
  async signup(
    { address, newsletters, consent }: SignupRequest,
    options: { bot?: boolean; clientAddress: string },
  ): Promise<void> {
    const now = this.clock.now();
    const token = newToken();
    const expires = new Date(now.getTime() + this.config.env.CONFIRM_TOKEN_TTL_HOURS * 3600_000);
    const cutoff = new Date(now.getTime() - CONFIRMATION_RESEND_INTERVAL_MS);
    // Stored as the template and the token; the worker composes the email when it sends it (a few bytes in the
    // statement instead of the ~13 KB email).
    const subject = await this.emails.subject('confirm');
    // Counted for every valid post, bots' included, in the same statement (429 when a limit is passed).
    const limits = this.limits.counting(options.clientAddress, address.key, 12);
    const outcome = await this.outbox.enqueueWith<{ subscriber_id: string | null; refusal: string | null }>(
      {
        with: `${limits.with},${SIGNUP_UPSERT}`,
        source: SIGNUP_DECISION,
        params: [
          address.email,
          address.key,
          frequencyOf(newsletters),
          JSON.stringify({ at: now.toISOString(), ...consent }),
          hashToken(token),
          expires,
          now,
          Suppressions.hash(address.key),
          options.bot === true,
          cutoff,
          newsletters,
          ...limits.params,
        ],
      },
      {
        kind: 'confirmation',
        to: address.email,
        subject,
        template: { name: 'confirm', values: { confirmToken: token } },
      },
    );
    this.limits.enforce(outcome.refusal);
    this.outbox.wake();
    // Debug: the access log already has a line per signup, and at a burst's rate a second one costs.
    this.logger.debug(
      outcome.send
        ? `Signup: confirmation queued for subscriber ${outcome.subscriber_id}`
        : 'Signup: no confirmation due',
    );
  }

  /**
   * The newsletters a signup asks for: `newsletters` as given (every slug an active newsletter, else 400); a form
   * that showed the checkboxes with none ticked is a 400; an older form's `frequency` means that digest and the
   * breaking alerts (what such a reader got before newsletters); nothing means the form's defaults.
   */
  async signupNewsletters(choice: {
    newsletters?: string[];
    frequency?: Frequency;
    choice?: string;
  }): Promise<string[]> {
    let active = await this.activeNewsletters();
    if (choice.newsletters && choice.newsletters.length > 0) {
      const chosen = [...new Set(choice.newsletters)];
      const known = () => chosen.every((slug) => active.some((n) => n.slug === slug));
      // A newsletter created in the last seconds is not in the remembered list yet: look again before refusing.
      if (!known()) {
        active = await this.activeNewsletters(true);
        if (!known()) {
          throw new InvalidInputError('newsletters.errors.unknown');
        }
      }
      return chosen;
    }
    if (choice.choice === 'newsletters') {
      throw new InvalidInputError('newsletters.errors.required');
    }
    if (choice.frequency) {
      return [choice.frequency, 'breaking'].filter((slug) => active.some((n) => n.slug === slug));
    }
    return active.filter((n) => n.showOnForm && n.defaultChecked).map((n) => n.slug);
  }

  /**
   * The active newsletters, remembered for NEWSLETTERS_TTL_MS: a signup stays one round trip (the burst the
   * bench measures), and editors' changes reach every process within seconds.
   */
  private async activeNewsletters(
    fresh = false,
  ): Promise<Array<{ slug: string; showOnForm: boolean; defaultChecked: boolean }>> {
    const now = Date.now();
    if (fresh || !this.newsletterCache || now - this.newsletterCache.at > NEWSLETTERS_TTL_MS) {
      const list = (await this.dataSource.query(
        `SELECT slug, show_on_form AS "showOnForm", default_checked AS "defaultChecked" FROM newsletters
          WHERE status = 'active' ORDER BY position, id`,
      )) as Array<{ slug: string; showOnForm: boolean; defaultChecked: boolean }>;
      this.newsletterCache = { at: now, list };
    }
    return this.newsletterCache.list;
  }

  /**
   * Confirms the reader whose email carried this token (once, until it expires), and queues their welcome
   * email in the same transaction (once per reader: dedupe key welcome:<id>).
   */
  async confirm(token: string): Promise<ConfirmOutcome> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) {
      return 'invalid';
    }
    const hash = hashToken(token);
    const now = this.clock.now();
    const confirmed = await this.dataSource.transaction(async (manager) => {
      const [reader] = returnedRows<{ id: string; email: string }>(
        await manager.query(
          `UPDATE subscribers
           SET status = 'active', confirmed_at = $2, unsubscribed_at = NULL, unsubscribe_reason = NULL,
               last_engaged_at = $2, confirmation_token_hash = NULL, confirmation_expires_at = NULL, updated_at = now()
           WHERE confirmation_token_hash = $1 AND status = 'pending' AND confirmation_expires_at > $2
           RETURNING id::text, email`,
          [hash, now],
        ),
      );
      if (reader) {
        const welcome = await this.emails.compose('welcome', {
          unsubscribeUrl: this.links.unsubscribeUrl(reader.id),
          preferencesUrl: this.links.preferencesUrl(reader.id),
        });
        await this.outbox.enqueue(
          [
            {
              kind: 'welcome',
              to: reader.email,
              subscriberId: reader.id,
              dedupeKey: `welcome:${reader.id}`,
              ...welcome,
            },
          ],
          manager,
        );
      }
      return reader;
    });
    if (confirmed) {
      this.outbox.wake();
      this.logger.log(`Subscriber ${confirmed.id} confirmed`);
      return 'confirmed';
    }
    const [expired] = (await this.dataSource.query(
      `SELECT id FROM subscribers WHERE confirmation_token_hash = $1 AND confirmation_expires_at <= $2`,
      [hash, now],
    )) as Array<{ id: string }>;
    return expired ? 'expired' : 'invalid';
  }

  /** The sunset email's keep link: an active reader counts as engaged now. False when the reader is not active. */
  async keep(id: string): Promise<boolean> {
    const reader = await this.settings(id);
    if (reader?.status !== 'active') {
      return false;
    }
    await this.engagement.engaged([id], this.clock.now());
    this.logger.log(`Subscriber ${id} asked to keep the newsletter`);
    return true;
  }

  /**
   * Stops all mail to this reader: the address is unsubscribed and so is every subscription. Idempotent: leaving
   * twice, or after erasure, is still "left". Two statements, subscriptions first, so the kept counts move once.
   */
  async unsubscribe(id: string): Promise<void> {
    const now = this.clock.now();
    const rows = await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $2, unsubscribe_reason = 'reader',
                updated_at = now()
          WHERE subscriber_id = $1 AND status = 'active'`,
        [id, now],
      );
      return returnedRows(
        await manager.query(
          `UPDATE subscribers
         SET status = 'unsubscribed', unsubscribed_at = $2, unsubscribe_reason = 'reader', confirmation_token_hash = NULL,
             confirmation_expires_at = NULL, updated_at = now()
         WHERE id = $1 AND status IN ('pending', 'active')
         RETURNING id`,
          [id, now],
        ),
      );
    });
    if (rows.length > 0) {
      this.logger.log(`Subscriber ${id} unsubscribed`);
    }
  }

  /**
   * Ends one subscription (the one-click link of that newsletter's emails): the reader keeps the others. Returns
   * the newsletter (whether or not it was still active: leaving twice is still "left"), or null for an unknown slug.
   */
  async unsubscribeFrom(id: string, slug: string): Promise<ReaderNewsletter | null> {
    const newsletter = await this.newsletterNamed(slug);
    if (!newsletter) {
      return null;
    }
    const now = this.clock.now();
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $3, unsubscribe_reason = 'reader',
                updated_at = now()
          WHERE subscriber_id = $1 AND newsletter_id = $2 AND status = 'active'
          RETURNING subscriber_id`,
        [id, newsletter.id, now],
      ),
    );
    if (rows.length > 0) {
      this.logger.log(`Subscriber ${id} left the ${slug} newsletter`);
    }
    return {
      slug: newsletter.slug,
      name: newsletter.name,
      description: newsletter.description,
      kind: newsletter.kind,
      subscription: 'unsubscribed',
      since: null,
      unsubscribedAt: now,
    };
  }

  /** A newsletter by slug (archived ones too: their emails' links still work), or null. */
  async newsletterNamed(
    slug: string,
  ): Promise<(Pick<ReaderNewsletter, 'slug' | 'name' | 'description' | 'kind'> & { id: number }) | null> {
    const [newsletter] = (await this.dataSource.query(
      'SELECT id, slug, name, description, kind FROM newsletters WHERE slug = $1',
      [slug],
    )) as Array<Pick<ReaderNewsletter, 'slug' | 'name' | 'description' | 'kind'> & { id: number }>;
    return newsletter ?? null;
  }

  /** Every active newsletter, in display order, with the reader's subscription to each. */
  async newsletters(id: string): Promise<ReaderNewsletter[]> {
    return (await this.dataSource.query(
      `SELECT n.slug, n.name, n.description, n.kind, sub.status AS subscription, sub.created_at AS since,
              sub.unsubscribed_at AS "unsubscribedAt"
         FROM newsletters n LEFT JOIN subscriptions sub ON sub.newsletter_id = n.id AND sub.subscriber_id = $1
        WHERE n.status = 'active'
        ORDER BY n.position, n.id`,
      [id],
    )) as ReaderNewsletter[];
  }

  /**
   * The preferences page's switches: the newsletters of `slugs` become (or stay) active, the reader's other
   * subscriptions to active newsletters end (an archived newsletter's are kept, in case it returns). No new confirmation: the address was confirmed once. Unknown slugs → 400.
   */
  async chooseNewsletters(id: string, slugs: string[]): Promise<void> {
    const unique = [...new Set(slugs)];
    const known = (await this.dataSource.query(
      `SELECT id FROM newsletters WHERE slug = ANY($1::text[]) AND status = 'active'`,
      [unique],
    )) as Array<{ id: number }>;
    if (known.length !== unique.length) {
      throw new InvalidInputError('newsletters.errors.unknown');
    }
    const ids = known.map((k) => k.id);
    const now = this.clock.now();
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO subscriptions (subscriber_id, newsletter_id, status, consent)
         SELECT s.id, n, 'active', jsonb_build_object('at', $3::text, 'page', 'preferences', 'ip', NULL,
                                                      'userAgent', NULL, 'wording', 'preferences')
           FROM subscribers s CROSS JOIN unnest($2::int[]) AS n
          WHERE s.id = $1 AND s.status IN ('active', 'pending')
         ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE SET status = 'active', unsubscribed_at = NULL,
           unsubscribe_reason = NULL, updated_at = now()
         WHERE subscriptions.status <> 'active'`,
        [id, ids, now.toISOString()],
      );
      await manager.query(
        `UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $3, unsubscribe_reason = 'reader',
                updated_at = now()
          WHERE subscriber_id = $1 AND status = 'active' AND NOT (newsletter_id = ANY($2::int[]))
            AND newsletter_id IN (SELECT id FROM newsletters WHERE status = 'active')`,
        [id, ids, now],
      );
      await manager.query(`UPDATE subscribers SET frequency = $2, updated_at = now() WHERE id = $1`, [
        id,
        frequencyOf(unique),
      ]);
    });
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
    if (rows.length > 0 && changes.frequency) {
      // The older "weekly instead" button: that digest instead of the other, the other subscriptions as they are.
      const other = changes.frequency === 'daily' ? 'weekly' : 'daily';
      const current = (await this.newsletters(id)).filter((n) => n.subscription === 'active').map((n) => n.slug);
      await this.chooseNewsletters(id, [...current.filter((slug) => slug !== other), changes.frequency]);
    }
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
