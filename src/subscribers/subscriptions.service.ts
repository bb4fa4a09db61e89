import { Injectable, Logger } from '@nestjs/common';
import { InvalidInputError } from '../common/domain-errors';
import { Clock } from '../common/clock';
import { hashToken, newToken } from '../common/secure-token';
import { AppConfig } from '../config/app-config';
import { TransactionalOutbox } from '../delivery/transactional-outbox';
import { ReaderEmails } from './reader-emails';
import { ReaderEngagement } from './reader-engagement';
import type { EmailAddress } from './email-address';
import type { Frequency } from '../common/frequency';
import type { ConsentRecord } from './subscriber.entity';
import { SubscriberLinks } from './subscriber-links';
import { Suppressions } from './suppressions';
import { SignupLimits } from './signup-limits';
import {
  SubscribersRepository,
  type NewsletterChoice,
  type NewsletterSummary,
  type ReaderNewsletter,
  type ReaderSettings,
  type TopicChoice,
} from './subscribers.repository';

export type { ReaderNewsletter, ReaderSettings, TopicChoice } from './subscribers.repository';

/** How long a process remembers which newsletters are active (signups check their choice against it). */
const NEWSLETTERS_TTL_MS = 5_000;

/** One confirmation email per address per this many milliseconds, however often the form is sent. */
export const CONFIRMATION_RESEND_INTERVAL_MS = 10 * 60 * 1000;

export type ConfirmOutcome = 'confirmed' | 'expired' | 'invalid';

export interface SignupRequest {
  address: EmailAddress;
  /** Slugs of the newsletters chosen (checked against the active newsletters before this is called). */
  newsletters: string[];
  /** Evidence of consent; the time is added here, from the Clock. */
  consent: Omit<ConsentRecord, 'at'>;
}

/**
 * The value kept in subscribers.frequency (older readers' screens and exports): the reader's digest when they
 * take exactly one of the two standard ones, else `daily`.
 */
export function frequencyOf(newsletters: string[]): Frequency {
  return newsletters.includes('weekly') && !newsletters.includes('daily') ? 'weekly' : 'daily';
}

/**
 * A reader's life as a subscriber: signup (double opt-in), confirmation, unsubscribe, preferences. Every status
 * change is one of SUBSCRIBER_CHANGES, written by SubscribersRepository as one conditional UPDATE, so two
 * requests racing on the same reader cannot both win.
 */
@Injectable()
export class SubscriptionsService {
  private readonly logger = new Logger(SubscriptionsService.name);
  private newsletterCache: { at: number; list: NewsletterChoice[] } | null = null;

  constructor(
    private readonly readers: SubscribersRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly emails: ReaderEmails,
    private readonly outbox: TransactionalOutbox,
    private readonly links: SubscriberLinks,
    private readonly engagement: ReaderEngagement,
    private readonly limits: SignupLimits,
  ) {}

  /**
   * Records a signup and, for a new, still-pending or returning address, queues a confirmation email (at most
   * one per CONFIRMATION_RESEND_INTERVAL_MS, counted from what the mail server accepted or is still to send).
   *
   * Every path does the same work, so the answer's timing cannot tell who subscribes: new, pending, active,
   * unsubscribed, bounced, erased (suppressed) or a bot (`bot`: the honeypot was filled). One statement
   * (SubscribersRepository.signup, SIGNUP_STATEMENT): the limits' count, an upsert that decides, in SQL, whether
   * this reader gets an email, and the outbox row (the real confirmation, or a `skipped` no-op row with no
   * address) through the delivery module's enqueue_transactional_message: no BEGIN/COMMIT round trips, which
   * were most of a signup's cost in the bench's profile. The token is drawn and hashed before, whatever the
   * outcome. The confirmation is stored as its template and the token, and composed by the worker when it
   * sends it: the ~13 KB composed email in every signup's statement was the largest part of its bytes.
   */
  async signup(
    { address, newsletters, consent }: SignupRequest,
    options: { bot?: boolean; clientAddress: string },
  ): Promise<void> {
    const now = this.clock.now();
    const token = newToken();
    // Stored as the template and the token; the worker composes the email when it sends it (a few bytes in the
    // statement instead of the ~13 KB email).
    const subject = await this.emails.subject('confirm');
    const outcome = await this.readers.signup({
      email: address.email,
      emailKey: address.key,
      frequency: frequencyOf(newsletters),
      consent: { at: now.toISOString(), ...consent },
      tokenHash: hashToken(token),
      expiresAt: new Date(now.getTime() + this.config.readers.confirmTokenTtlHours * 3600_000),
      now,
      suppressionHash: Suppressions.hash(address.key),
      bot: options.bot === true,
      resendCutoff: new Date(now.getTime() - CONFIRMATION_RESEND_INTERVAL_MS),
      newsletters,
      // Counted for every valid post, bots' included, in the same statement (429 when a limit is passed).
      limits: this.limits.windows(options.clientAddress, address.key),
      confirmation: { subject, template: 'confirm', values: { confirmToken: token } },
    });
    this.limits.enforce(outcome.refusal);
    this.outbox.wake();
    // Debug: the access log already has a line per signup, and at a burst's rate a second one costs.
    this.logger.debug(
      outcome.send
        ? `Signup: confirmation queued for subscriber ${outcome.subscriberId}`
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
  private async activeNewsletters(fresh = false): Promise<NewsletterChoice[]> {
    const now = Date.now();
    if (fresh || !this.newsletterCache || now - this.newsletterCache.at > NEWSLETTERS_TTL_MS) {
      this.newsletterCache = { at: now, list: await this.readers.activeNewsletterChoices() };
    }
    return this.newsletterCache.list;
  }

  /**
   * Confirms the reader whose email carried this token (once, until it expires: SUBSCRIBER_CHANGES.confirm), and
   * queues their welcome email in the same transaction (once per reader: dedupe key welcome:<id>).
   */
  async confirm(token: string): Promise<ConfirmOutcome> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) {
      return 'invalid';
    }
    const hash = hashToken(token);
    const now = this.clock.now();
    const confirmed = await this.readers.transaction(async (manager) => {
      const reader = await this.readers.confirm(hash, now, manager);
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
    return (await this.readers.tokenExpired(hash, now)) ? 'expired' : 'invalid';
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
   * Stops all mail to this reader: the address is unsubscribed (SUBSCRIBER_CHANGES.unsubscribe) and so is every
   * subscription. Idempotent: leaving twice, or after erasure, is still "left".
   */
  async unsubscribe(id: string): Promise<void> {
    if (await this.readers.unsubscribe(id, this.clock.now())) {
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
    if (await this.readers.endSubscription(id, newsletter.id, now)) {
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
  newsletterNamed(slug: string): Promise<NewsletterSummary | null> {
    return this.readers.newsletterNamed(slug);
  }

  /** Every active newsletter, in display order, with the reader's subscription to each. */
  newsletters(id: string): Promise<ReaderNewsletter[]> {
    return this.readers.readerNewsletters(id);
  }

  /**
   * The preferences page's switches: the newsletters of `slugs` become (or stay) active, the reader's other
   * subscriptions to active newsletters end (an archived newsletter's are kept, in case it returns). No new
   * confirmation: the address was confirmed once. Unknown slugs → 400.
   */
  async chooseNewsletters(id: string, slugs: string[]): Promise<void> {
    const unique = [...new Set(slugs)];
    const ids = await this.readers.activeNewsletterIds(unique);
    if (ids.length !== unique.length) {
      throw new InvalidInputError('newsletters.errors.unknown');
    }
    await this.readers.chooseNewsletters(id, ids, frequencyOf(unique), this.clock.now());
  }

  settings(id: string): Promise<ReaderSettings | null> {
    return this.readers.settings(id);
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
      const known = await this.readers.followableTopics(topics);
      if (known.length !== topics.length) {
        throw new InvalidInputError('readers.errors.topics');
      }
    }
    const changed = await this.readers.updateSettings(id, {
      frequency: changes.frequency ?? null,
      topics: topics ?? null,
      trackClicks: changes.trackClicks ?? null,
    });
    if (changed && changes.frequency) {
      // The older "weekly instead" button: that digest instead of the other, the other subscriptions as they are.
      const other = changes.frequency === 'daily' ? 'weekly' : 'daily';
      const current = (await this.newsletters(id)).filter((n) => n.subscription === 'active').map((n) => n.slug);
      await this.chooseNewsletters(id, [...current.filter((slug) => slug !== other), changes.frequency]);
    }
    return changed;
  }

  /** Every topic, the most followed (by active readers) first, then by name. */
  async topicChoices(selected: string[]): Promise<TopicChoice[]> {
    const topics = await this.readers.followableTopicsByFollowers();
    return topics.map((t) => ({ ...t, checked: selected.includes(t.key) }));
  }
}
