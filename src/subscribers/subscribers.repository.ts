import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Frequency } from '../common/frequency';
import { namedStatement } from '../database/named-sql';
import { queryPrepared } from '../database/prepared';
import { returnedRows } from '../database/returning';
import type { ConsentRecord, SubscriberStatus } from './subscriber.entity';

/*
 * The readers' tables (`subscribers`, and `subscriptions`, a reader's per-newsletter choices): every statement
 * that writes them is here, and every change of a reader's status goes through SUBSCRIBER_CHANGES.
 */

interface SubscriberChange {
  from: SubscriberStatus[];
  to: SubscriberStatus;
  /** subscribers.unsubscribe_reason written by the change. */
  reason?: 'reader' | 'inactive';
}

/**
 * Every status a reader can go through, and the only way it changes: one conditional UPDATE per change whose
 * allowed-from states come from this table (`WHERE status = ANY(from)`), so an illegal change is never written
 * and two requests racing on the same reader cannot both win.
 *
 * A reader starts `pending` (a signup; an import may also start them `active` when it trusts the list's
 * consent), becomes `active` by confirming, and leaves as `unsubscribed` (by their own hand, or after the
 * sunset email went unanswered), `bounced` or `complained`. Only a reader who left comes back, through a new
 * signup (`resubscribe`); a bounced or complained address is never reactivated by a form anyone can post.
 */
export const SUBSCRIBER_CHANGES = {
  // A new signup of an address that left: it confirms again (a new token and email at once).
  resubscribe: { from: ['unsubscribed'], to: 'pending' },
  // The confirmation link of the latest email (the token not yet expired).
  confirm: { from: ['pending'], to: 'active' },
  // The unsubscribe link or page: leaving twice, or a reader that bounced, changes nothing.
  unsubscribe: { from: ['pending', 'active'], to: 'unsubscribed', reason: 'reader' },
  // SUNSET_AFTER_DAYS: the sunset email was accepted SUNSET_GRACE_DAYS ago and the reader did not engage since.
  unsubscribeInactive: { from: ['active'], to: 'unsubscribed', reason: 'inactive' },
  // The mail server refused the address for good (a hard bounce, or soft bounces reaching their limit).
  bounce: { from: ['pending', 'active'], to: 'bounced' },
  // A complaint: even an address that left or bounced must never be mailed, nor re-subscribed by the form.
  complain: { from: ['pending', 'active', 'unsubscribed', 'bounced'], to: 'complained' },
} satisfies Record<string, SubscriberChange>;

export type SubscriberChangeName = keyof typeof SUBSCRIBER_CHANGES;

/** Whether a reader in `status` may take this change. */
export function allows(name: SubscriberChangeName, status: SubscriberStatus): boolean {
  return (SUBSCRIBER_CHANGES[name] as SubscriberChange).from.includes(status);
}

/** The statuses a signup form may still set choices for (frequency, consent, newsletters): still confirming, or left. */
const SIGNUP_CHOOSES: SubscriberStatus[] = ['pending', ...SUBSCRIBER_CHANGES.resubscribe.from];

/** `('a', 'b')` for a fixed list of statuses, for statements whose text must not change (prepared). */
const inList = (statuses: readonly SubscriberStatus[]) => `(${statuses.map((s) => `'${s}'`).join(', ')})`;

/** The locale keys of the signup limits' refusals (SignupLimits turns them into a 429). */
export const SIGNUP_REFUSALS = {
  client: 'readers.errors.tooMany',
  target: 'readers.errors.tooManyForAddress',
} as const;

const SIGNUP_PARAMS = [
  'email',
  'emailKey',
  'frequency',
  'consent',
  'tokenHash',
  'expiresAt',
  'now',
  'suppressionHash',
  'bot',
  'resendCutoff',
  'newsletters',
  'clientKey',
  'clientWindow',
  'targetKey',
  'targetWindow',
  'clientLimit',
  'targetLimit',
  'mailSubject',
  'mailTemplate',
  'mailTemplateValues',
] as const;
type SignupParams = Readonly<Record<(typeof SIGNUP_PARAMS)[number], string>>;

/**
 * Part 1, the signup limits (SignupLimits): `signup_hits` adds one hit to the client's minute and the target's
 * hour; `signup_limits` answers `refusal`, the locale key of the limit passed, or null.
 */
const signupLimits = (p: SignupParams) => `
  signup_hits AS (
    INSERT INTO signup_rate_limits (key, window_start, hits)
    VALUES (${p.clientKey}, ${p.clientWindow}::timestamptz, 1), (${p.targetKey}, ${p.targetWindow}::timestamptz, 1)
    ON CONFLICT (key, window_start) DO UPDATE SET hits = signup_rate_limits.hits + 1
    RETURNING key, hits
  ),
  signup_limits AS (
    SELECT CASE WHEN coalesce(max(hits) FILTER (WHERE key = ${p.clientKey}), 0) > ${p.clientLimit}::int
                THEN '${SIGNUP_REFUSALS.client}'
                WHEN coalesce(max(hits) FILTER (WHERE key = ${p.targetKey}), 0) > ${p.targetLimit}::int
                THEN '${SIGNUP_REFUSALS.target}'
           END AS refusal
    FROM signup_hits
  )`;

/**
 * Part 2, the reader: a new address is inserted pending with the new token; an existing one is updated in place:
 * a reader who left starts again as pending (SUBSCRIBER_CHANGES.resubscribe, and gets an email at once, whatever
 * they were sent before), a pending one gets the new token only when no confirmation is queued, in flight, or
 * accepted by the server since the cutoff; active, bounced and complained readers keep everything. Suppressed
 * (erased) addresses, bots and signups past a limit insert nothing. `mail` says whether the new token was stored.
 */
const signupReader = (p: SignupParams) => `
  upserted AS (
    INSERT INTO subscribers (email, email_key, status, frequency, consent, confirmation_token_hash,
                             confirmation_expires_at, confirmation_sent_at)
    SELECT ${p.email}, ${p.emailKey}, 'pending', ${p.frequency}, ${p.consent}, ${p.tokenHash}, ${p.expiresAt}, ${p.now}
    WHERE NOT ${p.bot}::boolean AND NOT EXISTS (SELECT 1 FROM suppressions WHERE email_hash = ${p.suppressionHash})
      AND (SELECT refusal FROM signup_limits) IS NULL
    ON CONFLICT (email_key) DO UPDATE SET
      status = CASE WHEN subscribers.status IN ${inList(SUBSCRIBER_CHANGES.resubscribe.from)}
               THEN '${SUBSCRIBER_CHANGES.resubscribe.to}' ELSE subscribers.status END,
      frequency = CASE WHEN subscribers.status IN ${inList(SIGNUP_CHOOSES)} THEN EXCLUDED.frequency
                  ELSE subscribers.frequency END,
      consent = CASE WHEN subscribers.status IN ${inList(SIGNUP_CHOOSES)} THEN EXCLUDED.consent
                ELSE subscribers.consent END,
      unsubscribe_reason = CASE WHEN subscribers.status IN ${inList(SUBSCRIBER_CHANGES.resubscribe.from)} THEN NULL
                           ELSE subscribers.unsubscribe_reason END,
      (confirmation_token_hash, confirmation_expires_at, confirmation_sent_at) = (
        SELECT CASE WHEN due THEN EXCLUDED.confirmation_token_hash ELSE subscribers.confirmation_token_hash END,
               CASE WHEN due THEN EXCLUDED.confirmation_expires_at ELSE subscribers.confirmation_expires_at END,
               CASE WHEN due THEN EXCLUDED.confirmation_sent_at ELSE subscribers.confirmation_sent_at END
        FROM (SELECT subscribers.status IN ${inList(SUBSCRIBER_CHANGES.resubscribe.from)}
                OR (subscribers.status = 'pending' AND NOT EXISTS (
                  SELECT 1 FROM transactional_messages m
                  WHERE m.subscriber_id = subscribers.id AND m.kind = 'confirmation'
                    AND (m.status IN ('queued', 'sending') OR (m.status = 'sent' AND m.sent_at > ${p.resendCutoff})))) AS due) d),
      updated_at = now()
    RETURNING id, status, confirmation_token_hash = ${p.tokenHash} AS mail
  )`;

/**
 * Part 3, the reader's newsletters: the ones chosen become active subscriptions (with this consent) only while
 * the reader is pending after the upsert (new, still confirming, or returning); the ones not chosen end. An
 * active reader's subscriptions are theirs to change on the preferences page, never by a form anyone can post.
 */
const signupNewsletters = (p: SignupParams) => `
  chosen AS (SELECT n.id FROM newsletters n WHERE n.slug = ANY(${p.newsletters}::text[]) AND n.status = 'active'),
  subscribed AS (
    INSERT INTO subscriptions (subscriber_id, newsletter_id, status, consent)
    SELECT u.id, c.id, 'active', ${p.consent} FROM upserted u CROSS JOIN chosen c WHERE u.status = 'pending'
    ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE SET status = 'active', consent = EXCLUDED.consent,
      unsubscribed_at = NULL, unsubscribe_reason = NULL, updated_at = now()
  ),
  not_chosen AS (
    UPDATE subscriptions sub SET status = 'unsubscribed', unsubscribed_at = ${p.now}, unsubscribe_reason = 'reader',
      updated_at = now()
    FROM upserted u
    WHERE sub.subscriber_id = u.id AND u.status = 'pending' AND sub.status = 'active'
      AND sub.newsletter_id NOT IN (SELECT id FROM chosen)
  )`;

/** Part 4, the decision: always one row (`send` says whether to mail), even when nothing was inserted. */
const signupDecision = () => `
  decision AS (
    SELECT u.id AS subscriber_id, coalesce(u.mail, false) AS send, (SELECT refusal FROM signup_limits) AS refusal
    FROM (SELECT 1) AS one LEFT JOIN upserted u ON true
  )`;

/**
 * Part 5, the confirmation, through the delivery module's interface `enqueue_transactional_message` (a database
 * function, migration EnqueueTransactionalMessage1795647000000): the email (stored as its template and the
 * token, composed by the worker when it sends it) when `send`, else a `skipped` no-op row without address or
 * body, so every outcome does the same work. In the signup's own statement: a confirmation is never lost.
 */
const signupConfirmation = (p: SignupParams) => `
  queued AS (
    SELECT d.subscriber_id, d.send, d.refusal,
           enqueue_transactional_message(d.send, 'confirmation', ${p.email}::text, d.subscriber_id, NULL::text,
                                         ${p.mailSubject}::text, NULL::text, NULL::text, NULL::jsonb,
                                         ${p.mailTemplate}::text, ${p.mailTemplateValues}::jsonb) AS message_id
    FROM decision d
  )`;

/**
 * The whole signup, one statement and one round trip (no BEGIN/COMMIT, which were most of a signup's cost in
 * the bench's profile), prepared once per connection (queryPrepared). Answers one row.
 */
export const SIGNUP_STATEMENT = namedStatement(
  SIGNUP_PARAMS,
  (
    p,
  ) => `WITH ${signupLimits(p)},${signupReader(p)},${signupNewsletters(p)},${signupDecision()},${signupConfirmation(p)}
SELECT subscriber_id, send, refusal FROM queued`,
);

export interface SignupWrite {
  email: string;
  emailKey: string;
  frequency: Frequency;
  consent: ConsentRecord;
  tokenHash: string;
  expiresAt: Date;
  now: Date;
  /** The address's hash on the suppression list (an erased address is never inserted again). */
  suppressionHash: string;
  /** The honeypot was filled: count the hit, store and mail nothing. */
  bot: boolean;
  /** A pending reader's confirmation sent (accepted by the server) after this is not sent again. */
  resendCutoff: Date;
  /** Slugs of the newsletters chosen. */
  newsletters: string[];
  /** The signup limits' windows (SignupLimits.windows). */
  limits: SignupWindows;
  /** The confirmation email, as its template (the worker composes it). */
  confirmation: { subject: string; template: string; values: Record<string, string> };
}

export interface SignupWindows {
  clientKey: string;
  clientWindow: Date;
  targetKey: string;
  targetWindow: Date;
  clientLimit: number;
  targetLimit: number;
}

export interface SignupResult {
  subscriberId: string | null;
  /** A confirmation was queued. */
  send: boolean;
  /** The SIGNUP_REFUSALS key of a limit passed (nothing was stored), or null. */
  refusal: string | null;
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

export type NewsletterSummary = Pick<ReaderNewsletter, 'slug' | 'name' | 'description' | 'kind'> & { id: number };

export interface NewsletterChoice {
  slug: string;
  showOnForm: boolean;
  defaultChecked: boolean;
}

export interface TopicChoice {
  key: string;
  name: string;
  followers: number;
  checked: boolean;
}

/** One reader to insert by an import, as the batch statement takes it. */
export interface ImportCandidate {
  email: string;
  emailKey: string;
  emailHash: string;
  frequency: Frequency;
  status: Extract<SubscriberStatus, 'pending' | 'active'>;
  consent: ConsentRecord & Record<string, unknown>;
  tokenHash: string | null;
  /** The row's own newsletters (a `newsletters` column); empty: the import's. */
  newsletters?: string[];
}

/** A reader reported by the mail server: by id, or by the normalised address (email_key). */
export type ReaderKey = { id: string } | { emailKey: string };

/** When a reader last showed they read us; readers from before engagement was recorded count from confirmation. */
const ENGAGED = 'coalesce(s.last_engaged_at, s.confirmed_at, s.created_at)';
/** One sunset email per engagement: a reader who clicks "keep" and goes quiet again gets a new one. */
const SUNSET_KEY = `'sunset:' || s.id || ':' || (extract(epoch FROM ${ENGAGED}) * 1000)::bigint`;

@Injectable()
export class SubscribersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  // --- Signup and confirmation -------------------------------------------------------------------------------

  /** The signup's one statement (SIGNUP_STATEMENT). */
  async signup(write: SignupWrite): Promise<SignupResult> {
    const [row] = await queryPrepared<{ subscriber_id: string | null; send: boolean; refusal: string | null }>(
      this.dataSource,
      SIGNUP_STATEMENT.text,
      SIGNUP_STATEMENT.params({
        email: write.email,
        emailKey: write.emailKey,
        frequency: write.frequency,
        consent: JSON.stringify(write.consent),
        tokenHash: write.tokenHash,
        expiresAt: write.expiresAt,
        now: write.now,
        suppressionHash: write.suppressionHash,
        bot: write.bot,
        resendCutoff: write.resendCutoff,
        newsletters: write.newsletters,
        ...write.limits,
        mailSubject: write.confirmation.subject,
        mailTemplate: write.confirmation.template,
        mailTemplateValues: JSON.stringify(write.confirmation.values),
      }),
    );
    return { subscriberId: row.subscriber_id, send: row.send, refusal: row.refusal };
  }

  /** Forgets signup limit windows that started before `before`. */
  async pruneSignupLimits(before: Date): Promise<void> {
    await this.dataSource.query('DELETE FROM signup_rate_limits WHERE window_start < $1', [before]);
  }

  /** SUBSCRIBER_CHANGES.confirm for the reader whose latest token this is, if it has not expired. */
  async confirm(
    tokenHash: string,
    now: Date,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ id: string; email: string } | null> {
    const change = SUBSCRIBER_CHANGES.confirm;
    const [reader] = returnedRows<{ id: string; email: string }>(
      await manager.query(
        `UPDATE subscribers
         SET status = $3, confirmed_at = $2, unsubscribed_at = NULL, unsubscribe_reason = NULL,
             last_engaged_at = $2, confirmation_token_hash = NULL, confirmation_expires_at = NULL, updated_at = now()
         WHERE confirmation_token_hash = $1 AND status = ANY($4::text[]) AND confirmation_expires_at > $2
         RETURNING id::text, email`,
        [tokenHash, now, change.to, change.from],
      ),
    );
    return reader ?? null;
  }

  /** Whether this token was a reader's and has expired. */
  async tokenExpired(tokenHash: string, now: Date): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT id FROM subscribers WHERE confirmation_token_hash = $1 AND confirmation_expires_at <= $2`,
      [tokenHash, now],
    )) as Array<{ id: string }>;
    return rows.length > 0;
  }

  // --- Leaving and choosing ------------------------------------------------------------------------------------

  /**
   * SUBSCRIBER_CHANGES.unsubscribe, and the end of every subscription: two statements in one transaction,
   * subscriptions first, so the kept counts move once. False when the reader was not in a state to leave.
   */
  async unsubscribe(id: string, now: Date): Promise<boolean> {
    const change = SUBSCRIBER_CHANGES.unsubscribe;
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
           SET status = $3, unsubscribed_at = $2, unsubscribe_reason = $4, confirmation_token_hash = NULL,
               confirmation_expires_at = NULL, updated_at = now()
           WHERE id = $1 AND status = ANY($5::text[])
           RETURNING id`,
          [id, now, change.to, change.reason, change.from],
        ),
      );
    });
    return rows.length > 0;
  }

  /** Ends one subscription; false when it was not active. */
  async endSubscription(id: string, newsletterId: number, now: Date): Promise<boolean> {
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $3, unsubscribe_reason = 'reader',
                updated_at = now()
          WHERE subscriber_id = $1 AND newsletter_id = $2 AND status = 'active'
          RETURNING subscriber_id`,
        [id, newsletterId, now],
      ),
    );
    return rows.length > 0;
  }

  /**
   * The preferences page's switches: these newsletters become (or stay) active for a pending or active reader,
   * the reader's other subscriptions to active newsletters end (an archived newsletter's are kept), and the
   * kept `frequency` follows. One transaction.
   */
  async chooseNewsletters(id: string, newsletterIds: number[], frequency: Frequency, now: Date): Promise<void> {
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
        [id, newsletterIds, now.toISOString()],
      );
      await manager.query(
        `UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $3, unsubscribe_reason = 'reader',
                updated_at = now()
          WHERE subscriber_id = $1 AND status = 'active' AND NOT (newsletter_id = ANY($2::int[]))
            AND newsletter_id IN (SELECT id FROM newsletters WHERE status = 'active')`,
        [id, newsletterIds, now],
      );
      await manager.query(`UPDATE subscribers SET frequency = $2, updated_at = now() WHERE id = $1`, [id, frequency]);
    });
  }

  /** Changes frequency, topics, click tracking; null leaves each as it is. False for an unknown reader. */
  async updateSettings(
    id: string,
    changes: { frequency: Frequency | null; topics: string[] | null; trackClicks: boolean | null },
  ): Promise<boolean> {
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE subscribers
         SET frequency = COALESCE($2, frequency), topics = COALESCE($3::text[], topics),
             track_clicks = COALESCE($4::boolean, track_clicks), updated_at = now()
         WHERE id = $1 RETURNING id`,
        [id, changes.frequency, changes.topics, changes.trackClicks],
      ),
    );
    return rows.length > 0;
  }

  /** Moves `last_engaged_at` forward (never backwards, so late or repeated reports are harmless). */
  async markEngaged(subscriberIds: string[], at: Date): Promise<void> {
    if (subscriberIds.length === 0) {
      return;
    }
    await this.dataSource.query(
      `UPDATE subscribers SET last_engaged_at = $2, updated_at = now()
       WHERE id = ANY($1::bigint[]) AND (last_engaged_at IS NULL OR last_engaged_at < $2)`,
      [subscriberIds, at],
    );
  }

  // --- What a reader's pages read ------------------------------------------------------------------------------

  async settings(id: string): Promise<ReaderSettings | null> {
    const [row] = (await this.dataSource.query(
      'SELECT id, email, status, frequency, topics, track_clicks AS "trackClicks" FROM subscribers WHERE id = $1',
      [id],
    )) as ReaderSettings[];
    return row ?? null;
  }

  /** The active newsletters a signup form may offer, in display order. */
  activeNewsletterChoices(): Promise<NewsletterChoice[]> {
    return this.dataSource.query(
      `SELECT slug, show_on_form AS "showOnForm", default_checked AS "defaultChecked" FROM newsletters
        WHERE status = 'active' ORDER BY position, id`,
    ) as Promise<NewsletterChoice[]>;
  }

  /** The ids of those of these slugs that are active newsletters. */
  async activeNewsletterIds(slugs: string[]): Promise<number[]> {
    const rows = (await this.dataSource.query(
      `SELECT id FROM newsletters WHERE slug = ANY($1::text[]) AND status = 'active'`,
      [slugs],
    )) as Array<{ id: number }>;
    return rows.map((r) => r.id);
  }

  /** A newsletter by slug (archived ones too: their emails' links still work), or null. */
  async newsletterNamed(slug: string): Promise<NewsletterSummary | null> {
    const [newsletter] = (await this.dataSource.query(
      'SELECT id, slug, name, description, kind FROM newsletters WHERE slug = $1',
      [slug],
    )) as NewsletterSummary[];
    return newsletter ?? null;
  }

  /** Every active newsletter, in display order, with the reader's subscription to each. */
  readerNewsletters(id: string): Promise<ReaderNewsletter[]> {
    return this.dataSource.query(
      `SELECT n.slug, n.name, n.description, n.kind, sub.status AS subscription, sub.created_at AS since,
              sub.unsubscribed_at AS "unsubscribedAt"
         FROM newsletters n LEFT JOIN subscriptions sub ON sub.newsletter_id = n.id AND sub.subscriber_id = $1
        WHERE n.status = 'active'
        ORDER BY n.position, n.id`,
      [id],
    ) as Promise<ReaderNewsletter[]>;
  }

  /** Of these topic keys, those readers may follow (followable, not hidden). */
  async followableTopics(keys: string[]): Promise<string[]> {
    const rows = (await this.dataSource.query(
      'SELECT key FROM topics WHERE key = ANY($1::text[]) AND followable AND NOT hidden',
      [keys],
    )) as Array<{ key: string }>;
    return rows.map((r) => r.key);
  }

  /** Every topic readers may follow, the most followed (by active readers) first, then by name. */
  followableTopicsByFollowers(): Promise<Array<{ key: string; name: string; followers: number }>> {
    return this.dataSource.query(
      `SELECT t.key, t.name, coalesce(f.followers, 0)::int AS followers
         FROM topics t
         LEFT JOIN (SELECT unnest(topics) AS key, count(*) AS followers FROM subscribers
                     WHERE status = 'active' GROUP BY 1) f ON f.key = t.key
        WHERE t.followable AND NOT t.hidden
        ORDER BY followers DESC, t.name`,
    ) as Promise<Array<{ key: string; name: string; followers: number }>>;
  }

  // --- What the mail server reports ----------------------------------------------------------------------------

  /** SUBSCRIBER_CHANGES.bounce for these readers; answers how many changed. */
  async bounce(subscriberIds: string[]): Promise<number> {
    const change = SUBSCRIBER_CHANGES.bounce;
    const rows: Array<{ n: string }> = await this.dataSource.query(
      `WITH b AS (
         UPDATE subscribers
         SET status = $2, bounced_at = clock_timestamp(), updated_at = clock_timestamp()
         WHERE id = ANY($1::bigint[]) AND status = ANY($3::text[])
         RETURNING id
       ) SELECT count(*) AS n FROM b`,
      [subscriberIds, change.to, change.from],
    );
    return Number(rows[0].n);
  }

  /**
   * SUBSCRIBER_CHANGES.bounce or .complain for one reported reader. Answers the reader (whether or not their
   * status allowed the change), or nothing for an address that is not a reader's.
   */
  async reported(who: ReaderKey, name: 'bounce' | 'complain'): Promise<Array<{ id: string; changed: boolean }>> {
    const change: SubscriberChange = SUBSCRIBER_CHANGES[name];
    const { where, param } = keyMatch(who);
    return this.dataSource.query(
      `WITH changed AS (
         UPDATE subscribers
         SET status = $2,
             bounced_at = CASE WHEN $2 = 'bounced' THEN clock_timestamp() ELSE bounced_at END,
             updated_at = clock_timestamp()
         WHERE ${where} AND status = ANY($3::text[])
         RETURNING id
       )
       SELECT s.id::text, (c.id IS NOT NULL) AS changed
       FROM subscribers s LEFT JOIN changed c ON c.id = s.id
       WHERE s.${where}`,
      [param, change.to, change.from],
    ) as Promise<Array<{ id: string; changed: boolean }>>;
  }

  /**
   * One more soft bounce for a reader who may still bounce (SUBSCRIBER_CHANGES.bounce.from). The count starts
   * again when the window since its first soft bounce has passed, and the same Message-ID reported twice counts
   * once; reaching `limit` is SUBSCRIBER_CHANGES.bounce. The expressions read the row's own values, so two
   * reports at once each count (the row lock orders them). Answers the readers counted, with their status.
   */
  async softBounce(
    who: ReaderKey,
    messageId: string | null,
    limit: number,
    windowDays: number,
  ): Promise<Array<{ id: string; status: SubscriberStatus }>> {
    const change = SUBSCRIBER_CHANGES.bounce;
    const { where, param } = keyMatch(who);
    const restart = `(soft_bounces_since IS NULL OR soft_bounces_since <= clock_timestamp() - $3::int * interval '1 day')`;
    const count = `(CASE WHEN ${restart} THEN 1 ELSE soft_bounces + 1 END)`;
    return returnedRows<{ id: string; status: SubscriberStatus }>(
      await this.dataSource.query(
        `UPDATE subscribers
         SET soft_bounces = ${count},
             soft_bounces_since = CASE WHEN ${restart} THEN clock_timestamp() ELSE soft_bounces_since END,
             last_soft_bounce_message_id = coalesce($4, last_soft_bounce_message_id),
             status = CASE WHEN ${count} >= $2 THEN $5 ELSE status END,
             bounced_at = CASE WHEN ${count} >= $2 THEN clock_timestamp() ELSE bounced_at END,
             updated_at = clock_timestamp()
         WHERE ${where} AND status = ANY($6::text[])
           AND ($4::text IS NULL OR last_soft_bounce_message_id IS DISTINCT FROM $4)
         RETURNING id::text, status`,
        [param, limit, windowDays, messageId, change.to, change.from],
      ),
    );
  }

  // --- The lifecycle rules (ReaderLifecycle), each in the caller's transaction ---------------------------------

  /**
   * Pending readers due a reminder (their latest confirmation accepted before `sentBefore`, none queued, never
   * reminded), locked for the caller's transaction.
   */
  dueForReminder(
    manager: EntityManager,
    sentBefore: Date,
    limit: number,
  ): Promise<Array<{ id: string; email: string }>> {
    return manager.query(
      `SELECT s.id::text, s.email FROM subscribers s
       WHERE s.status = 'pending'
         AND NOT EXISTS (SELECT 1 FROM transactional_messages r WHERE r.dedupe_key = 'reminder:' || s.id)
         AND NOT EXISTS (SELECT 1 FROM transactional_messages q WHERE q.subscriber_id = s.id
                           AND q.kind = 'confirmation' AND q.status IN ('queued', 'sending'))
         AND (SELECT max(c.sent_at) FROM transactional_messages c WHERE c.subscriber_id = s.id
                AND c.kind = 'confirmation' AND c.status = 'sent') <= $1
       ORDER BY s.id LIMIT $2
       FOR UPDATE OF s SKIP LOCKED`,
      [sentBefore, limit],
    ) as Promise<Array<{ id: string; email: string }>>;
  }

  /** New confirmation tokens (by hash) for these pending readers, e.g. a reminder's fresh link. */
  async replaceTokens(manager: EntityManager, ids: string[], tokenHashes: string[], expiresAt: Date): Promise<void> {
    await manager.query(
      `UPDATE subscribers s SET confirmation_token_hash = t.hash, confirmation_expires_at = $3, updated_at = now()
       FROM unnest($1::bigint[], $2::text[]) AS t(id, hash) WHERE s.id = t.id AND s.status = 'pending'`,
      [ids, tokenHashes, expiresAt],
    );
  }

  /** Active readers with no engagement since `engagedBefore` and no sunset email for it yet, locked. */
  dueForSunset(
    manager: EntityManager,
    engagedBefore: Date,
    limit: number,
  ): Promise<Array<{ id: string; email: string; key: string }>> {
    return manager.query(
      `SELECT s.id::text, s.email, ${SUNSET_KEY} AS key FROM subscribers s
       WHERE s.status = 'active' AND ${ENGAGED} <= $1
         AND NOT EXISTS (SELECT 1 FROM transactional_messages m WHERE m.dedupe_key = ${SUNSET_KEY})
       ORDER BY s.id LIMIT $2
       FOR UPDATE OF s SKIP LOCKED`,
      [engagedBefore, limit],
    ) as Promise<Array<{ id: string; email: string; key: string }>>;
  }

  /**
   * SUBSCRIBER_CHANGES.unsubscribeInactive for up to `limit` readers whose sunset email (for their current
   * engagement) was accepted before `sentBefore`; answers how many.
   */
  async unsubscribeInactive(manager: EntityManager, now: Date, sentBefore: Date, limit: number): Promise<number> {
    const change = SUBSCRIBER_CHANGES.unsubscribeInactive;
    const rows = returnedRows<{ id: string }>(
      await manager.query(
        `UPDATE subscribers s
         SET status = $4, unsubscribe_reason = $5, unsubscribed_at = $1,
             confirmation_token_hash = NULL, confirmation_expires_at = NULL, updated_at = now()
         WHERE s.id IN (
           SELECT s.id FROM transactional_messages m JOIN subscribers s ON s.id = m.subscriber_id
           WHERE m.kind = 'sunset' AND m.status = 'sent' AND m.sent_at <= $2 AND s.status = ANY($6::text[])
             AND m.dedupe_key = ${SUNSET_KEY}
           ORDER BY s.id LIMIT $3
           FOR UPDATE OF s SKIP LOCKED)
         RETURNING s.id`,
        [now, sentBefore, limit, change.to, change.reason, change.from],
      ),
    );
    return rows.length;
  }

  // --- Imports, topic merges, erasure --------------------------------------------------------------------------

  /**
   * Inserts one import batch in a single statement; an address already known (in any form) is left as it is,
   * and an erased address (its hash on the suppression list) is never inserted. Each imported reader subscribes
   * to the import's newsletters, or (none chosen) to their frequency's digest and the breaking alerts, with the
   * import's consent. Returns the readers inserted.
   */
  async importBatch(
    manager: EntityManager,
    rows: ImportCandidate[],
    confirmationExpiresAt: Date,
    now: Date,
    newsletters: string[],
  ): Promise<Array<{ id: string; emailKey: string; status: SubscriberStatus }>> {
    if (rows.length === 0) {
      return [];
    }
    return (await manager.query(
      `WITH inserted AS (
         INSERT INTO subscribers (email, email_key, status, frequency, consent, confirmation_token_hash,
                                  confirmation_expires_at, confirmed_at)
         SELECT i.email, i.email_key, i.status, i.frequency, i.consent, i.token_hash,
                CASE WHEN i.status = 'pending' THEN $7::timestamptz END,
                CASE WHEN i.status = 'active' THEN $8::timestamptz END
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $9::text[])
              AS i(email, email_key, status, frequency, consent, token_hash, email_hash)
         WHERE NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.email_hash = i.email_hash)
         ON CONFLICT (email_key) DO NOTHING
         RETURNING id, email_key, status, frequency, consent
       ), subscribed AS (
         -- Each imported reader subscribes to their row's newsletters (a newsletters column), else to the
         -- import's, or (none chosen) to their frequency's digest and the breaking alerts, with the import's consent.
         INSERT INTO subscriptions (subscriber_id, newsletter_id, status, consent)
         SELECT r.id, n.id, 'active', r.consent FROM inserted r
           JOIN unnest($2::text[], $11::text[]) AS own(email_key, slugs) ON own.email_key = r.email_key
           JOIN newsletters n ON n.slug = ANY(CASE WHEN own.slugs <> '' THEN string_to_array(own.slugs, ',')
                                                   WHEN cardinality($10::text[]) > 0 THEN $10::text[]
                                                   ELSE ARRAY[r.frequency, 'breaking'] END)
       )
       SELECT id, email_key AS "emailKey", status FROM inserted`,
      [
        rows.map((r) => r.email),
        rows.map((r) => r.emailKey),
        rows.map((r) => r.status),
        rows.map((r) => r.frequency),
        rows.map((r) => JSON.stringify(r.consent)),
        rows.map((r) => r.tokenHash),
        confirmationExpiresAt,
        now,
        rows.map((r) => r.emailHash),
        newsletters,
        rows.map((r) => (r.newsletters ?? []).join(',')),
      ],
    )) as Array<{ id: string; emailKey: string; status: SubscriberStatus }>;
  }

  /** Stamps these pending readers' confirmation as sent (in the transaction that queues it in the outbox). */
  async markConfirmationsSent(manager: EntityManager, subscriberIds: string[], now: Date): Promise<void> {
    await manager.query(
      `UPDATE subscribers SET confirmation_sent_at = $2, updated_at = now()
       WHERE id = ANY($1::bigint[]) AND status = 'pending'`,
      [subscriberIds, now],
    );
  }

  /** A new confirmation token (by hash) for one pending reader. */
  async replaceToken(manager: EntityManager, subscriberId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.replaceTokens(manager, [subscriberId], [tokenHash], expiresAt);
  }

  /**
   * Readers following `from` follow `into` instead (once, even if they followed both): the readers' side of a
   * topic merge, in the caller's transaction. Answers how many readers changed.
   */
  async replaceTopic(from: string, into: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const [, count] = (await manager.query(
      `UPDATE subscribers
       SET topics = CASE WHEN $2 = ANY(topics) THEN array_remove(topics, $1) ELSE array_replace(topics, $1, $2) END,
           updated_at = now()
       WHERE topics @> ARRAY[$1]::text[]`,
      [from, into],
    )) as [unknown, number];
    return count;
  }

  /** Deletes the reader (what is keyed to them cascades); answers their email_key, or null for an unknown id. */
  async erase(id: string, manager: EntityManager): Promise<string | null> {
    const [row] = returnedRows<{ email_key: string }>(
      await manager.query('DELETE FROM subscribers WHERE id = $1 RETURNING email_key', [id]),
    );
    return row?.email_key ?? null;
  }
}

/** `email_key = $1` or `id = $1`, and the parameter. */
function keyMatch(who: ReaderKey): { where: string; param: string } {
  return 'id' in who ? { where: 'id = $1::bigint', param: who.id } : { where: 'email_key = $1', param: who.emailKey };
}
