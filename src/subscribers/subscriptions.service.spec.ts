import { Logger } from '@nestjs/common';
import { domainStatus, TooManyAttemptsError } from '../common/domain-errors';
import type { EntityManager } from 'typeorm';
import type { Clock } from '../common/clock';
import { hashToken } from '../common/secure-token';
import type { AppConfig } from '../config/app-config';
import type { TransactionalMail, TransactionalOutbox } from '../delivery/transactional-outbox';
import { normaliseEmail } from './email-address';
import type { ReaderEmails } from './reader-emails';
import type { ReaderEngagement } from './reader-engagement';
import { SignupLimits } from './signup-limits';
import type { SubscriberLinks } from './subscriber-links';
import type { SubscriberStatus } from './subscriber.entity';
import {
  allows,
  SIGNUP_REFUSALS,
  SUBSCRIBER_CHANGES,
  type NewsletterChoice,
  type ReaderSettings,
  type SignupResult,
  type SignupWrite,
  type SubscribersRepository,
} from './subscribers.repository';
import { CONFIRMATION_RESEND_INTERVAL_MS, SubscriptionsService } from './subscriptions.service';

interface FakeReader {
  id: string;
  email: string;
  emailKey: string;
  status: SubscriberStatus;
  tokenHash: string | null;
  expiresAt: Date | null;
  /** When the latest confirmation was queued (the fake's stand-in for the outbox rows the SQL reads). */
  confirmationAt: Date | null;
  newsletters: string[];
}

type UsedBySubscriptions = Pick<
  SubscribersRepository,
  | 'transaction'
  | 'signup'
  | 'pruneSignupLimits'
  | 'confirm'
  | 'tokenExpired'
  | 'unsubscribe'
  | 'settings'
  | 'activeNewsletterChoices'
>;

/**
 * SubscribersRepository in memory, at its interface: the same decisions as its SQL, status changes allowed only
 * by SUBSCRIBER_CHANGES, so the service's rules are checked without a database.
 */
class InMemorySubscribers implements UsedBySubscriptions {
  readers: FakeReader[] = [];
  suppressed = new Set<string>();
  hits = new Map<string, number>();
  /** The readers.sent queued: the template's token, the link the reader would click. */
  sent: Array<{ email: string; token: string }> = [];
  private nextId = 1;

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return work({} as EntityManager);
  }

  signup(write: SignupWrite): Promise<SignupResult> {
    const { limits } = write;
    const count = (key: string) => {
      this.hits.set(key, (this.hits.get(key) ?? 0) + 1);
      return this.hits.get(key)!;
    };
    const client = count(`${limits.clientKey}@${limits.clientWindow.toISOString()}`);
    const target = count(`${limits.targetKey}@${limits.targetWindow.toISOString()}`);
    const refusal =
      client > limits.clientLimit
        ? SIGNUP_REFUSALS.client
        : target > limits.targetLimit
          ? SIGNUP_REFUSALS.target
          : null;
    if (refusal || write.bot || this.suppressed.has(write.suppressionHash)) {
      return Promise.resolve({ subscriberId: null, send: false, refusal });
    }
    let reader = this.readers.find((r) => r.emailKey === write.emailKey);
    let send = false;
    if (!reader) {
      reader = {
        id: String(this.nextId++),
        email: write.email,
        emailKey: write.emailKey,
        status: 'pending',
        tokenHash: null,
        expiresAt: null,
        confirmationAt: null,
        newsletters: [],
      };
      this.readers.push(reader);
      send = true;
    } else if (allows('resubscribe', reader.status)) {
      reader.status = SUBSCRIBER_CHANGES.resubscribe.to;
      send = true;
    } else if (reader.status === 'pending') {
      send = reader.confirmationAt === null || reader.confirmationAt <= write.resendCutoff;
    }
    if (send) {
      reader.tokenHash = write.tokenHash;
      reader.expiresAt = write.expiresAt;
      reader.confirmationAt = write.now;
      this.sent.push({ email: write.email, token: write.confirmation.values.confirmToken });
    }
    if (reader.status === 'pending') {
      reader.newsletters = write.newsletters;
    }
    return Promise.resolve({ subscriberId: reader.id, send, refusal: null });
  }

  pruneSignupLimits(): Promise<void> {
    return Promise.resolve();
  }

  confirm(tokenHash: string, now: Date): Promise<{ id: string; email: string } | null> {
    const reader = this.readers.find(
      (r) => r.tokenHash === tokenHash && allows('confirm', r.status) && r.expiresAt! > now,
    );
    if (!reader) {
      return Promise.resolve(null);
    }
    reader.status = SUBSCRIBER_CHANGES.confirm.to;
    reader.tokenHash = null;
    reader.expiresAt = null;
    return Promise.resolve({ id: reader.id, email: reader.email });
  }

  tokenExpired(tokenHash: string, now: Date): Promise<boolean> {
    return Promise.resolve(this.readers.some((r) => r.tokenHash === tokenHash && r.expiresAt! <= now));
  }

  unsubscribe(id: string): Promise<boolean> {
    const reader = this.readers.find((r) => r.id === id);
    if (!reader || !allows('unsubscribe', reader.status)) {
      return Promise.resolve(false);
    }
    reader.status = SUBSCRIBER_CHANGES.unsubscribe.to;
    reader.tokenHash = null;
    reader.newsletters = [];
    return Promise.resolve(true);
  }

  settings(id: string): Promise<ReaderSettings | null> {
    const r = this.readers.find((reader) => reader.id === id);
    return Promise.resolve(
      r ? { id: r.id, email: r.email, status: r.status, frequency: 'daily', topics: [], trackClicks: true } : null,
    );
  }

  activeNewsletterChoices(): Promise<NewsletterChoice[]> {
    return Promise.resolve([
      { slug: 'daily', showOnForm: true, defaultChecked: true },
      { slug: 'weekly', showOnForm: true, defaultChecked: false },
      { slug: 'breaking', showOnForm: true, defaultChecked: true },
    ]);
  }

  byEmail(email: string): FakeReader | undefined {
    return this.readers.find((r) => r.email === email);
  }
}

describe('SubscriptionsService: a reader’s states', () => {
  let now: Date;
  let readers: InMemorySubscribers;
  let queued: TransactionalMail[];
  let engaged: string[];
  let service: SubscriptionsService;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    now = new Date('2026-03-01T08:00:00Z');
    readers = new InMemorySubscribers();
    queued = [];
    engaged = [];
    const clock = { now: () => new Date(now) } as Clock;
    const config = {
      readers: { confirmTokenTtlHours: 48, signupRateLimitPerMinute: 3, signupAddressLimitPerHour: 20 },
    } as unknown as AppConfig;
    const emails = {
      subject: () => Promise.resolve('أكد اشتراكك'),
      compose: (name: string) => Promise.resolve({ subject: name, html: `<p>${name}</p>`, text: name }),
    } as unknown as ReaderEmails;
    const outbox = {
      enqueue: (mails: TransactionalMail[]) => {
        queued.push(...mails);
        return Promise.resolve([]);
      },
      wake: () => undefined,
    } as unknown as TransactionalOutbox;
    const links = {
      unsubscribeUrl: (id: string) => `https://news.example/u/${id}`,
      preferencesUrl: (id: string) => `https://news.example/p/${id}`,
    } as unknown as SubscriberLinks;
    const engagement = {
      engaged: (ids: string[]) => {
        engaged.push(...ids);
        return Promise.resolve();
      },
    } as unknown as ReaderEngagement;
    const repository = readers as unknown as SubscribersRepository;
    service = new SubscriptionsService(
      repository,
      clock,
      config,
      emails,
      outbox,
      links,
      engagement,
      new SignupLimits(repository, clock, config),
    );
  });

  const signUp = (email: string, clientAddress = '203.0.113.7', bot = false) =>
    service.signup(
      {
        address: normaliseEmail(email)!,
        newsletters: ['daily', 'breaking'],
        consent: { page: 'https://news.example/', ip: clientAddress, userAgent: 'test', wording: 'اشترك' },
      },
      { clientAddress, bot },
    );
  const lastToken = (email: string) => readers.sent.filter((c) => c.email === email).at(-1)!.token;

  it('signs a new address up as pending, with a confirmation whose token is stored only as its hash', async () => {
    await signUp('reader@example.com');
    const reader = readers.byEmail('reader@example.com')!;
    expect(reader.status).toBe('pending');
    expect(readers.sent).toHaveLength(1);
    expect(reader.tokenHash).toBe(hashToken(lastToken('reader@example.com')));
    expect(reader.newsletters).toEqual(['daily', 'breaking']);
  });

  it('confirms once: pending → active with one welcome email, then the same link is no longer valid', async () => {
    await signUp('reader@example.com');
    const token = lastToken('reader@example.com');
    expect(await service.confirm(token)).toBe('confirmed');
    const reader = readers.byEmail('reader@example.com')!;
    expect(reader.status).toBe('active');
    expect(queued).toEqual([expect.objectContaining({ kind: 'welcome', dedupeKey: `welcome:${reader.id}` })]);
    expect(await service.confirm(token)).toBe('invalid');
    expect(queued).toHaveLength(1);
  });

  it('answers expired for a link past its time, and invalid for a malformed one', async () => {
    await signUp('late@example.com');
    now = new Date(now.getTime() + 49 * 3600_000);
    expect(await service.confirm(lastToken('late@example.com'))).toBe('expired');
    expect(readers.byEmail('late@example.com')!.status).toBe('pending');
    expect(await service.confirm('not-a-token')).toBe('invalid');
  });

  it('sends a pending reader at most one confirmation per resend interval', async () => {
    await signUp('again@example.com');
    await signUp('again@example.com');
    expect(readers.sent).toHaveLength(1);
    now = new Date(now.getTime() + CONFIRMATION_RESEND_INTERVAL_MS + 1000);
    await signUp('again@example.com');
    expect(readers.sent).toHaveLength(2);
  });

  it('lets a reader leave (active → unsubscribed), and come back through a new signup (→ pending)', async () => {
    await signUp('back@example.com');
    await service.confirm(lastToken('back@example.com'));
    const reader = readers.byEmail('back@example.com')!;
    await service.unsubscribe(reader.id);
    expect(reader.status).toBe('unsubscribed');
    await service.unsubscribe(reader.id); // leaving twice is still "left"
    expect(reader.status).toBe('unsubscribed');
    await signUp('back@example.com');
    expect(reader.status).toBe('pending');
    expect(readers.sent).toHaveLength(2);
    expect(await service.confirm(lastToken('back@example.com'))).toBe('confirmed');
    expect(reader.status).toBe('active');
  });

  it('never reactivates a bounced or complained address through the form, nor mails it', async () => {
    await signUp('gone@example.com');
    const reader = readers.byEmail('gone@example.com')!;
    for (const status of ['bounced', 'complained'] as const) {
      reader.status = status;
      now = new Date(now.getTime() + CONFIRMATION_RESEND_INTERVAL_MS + 1000);
      await signUp('gone@example.com');
      expect(reader.status).toBe(status);
      await service.unsubscribe(reader.id);
      expect(reader.status).toBe(status);
    }
    expect(readers.sent).toHaveLength(1);
  });

  it('stores and mails nothing for a bot, and answers a signup past the client limit with a 429', async () => {
    await signUp('bot@example.com', '198.51.100.1', true);
    expect(readers.readers).toHaveLength(0);
    await signUp('a@example.com', '198.51.100.2');
    await signUp('b@example.com', '198.51.100.2');
    await signUp('c@example.com', '198.51.100.2');
    const refused = (await signUp('d@example.com', '198.51.100.2').catch((err: unknown) => err)) as Error;
    expect(refused).toBeInstanceOf(TooManyAttemptsError);
    expect(domainStatus(refused as TooManyAttemptsError)).toBe(429);
    expect(readers.byEmail('d@example.com')).toBeUndefined();
  });

  it('keeps an active reader who asks (counted as engaged), and refuses a reader who is not active', async () => {
    await signUp('keep@example.com');
    const reader = readers.byEmail('keep@example.com')!;
    expect(await service.keep(reader.id)).toBe(false);
    await service.confirm(lastToken('keep@example.com'));
    expect(await service.keep(reader.id)).toBe(true);
    expect(engaged).toEqual([reader.id]);
  });
});
