import { Injectable } from '@nestjs/common';
import { Port } from '../common/port';
import type { TrackedLink } from '../common/reader-placeholders';

/**
 * What delivery needs from the modules above it, declared here as interfaces so delivery never imports them:
 * digests supplies the edition's life cycle and its messages, subscribers readers' links, templates and bounces,
 * engagement the tracked links, deliverability (optionally) its watch of the ledger and the warm-up allowance.
 * Each supplier fills its Port in DeliveryPorts when Nest builds it (see DeliveryPorts). Delivery knows messages,
 * recipients and a ledger; it never reads or changes the editions table.
 */

/**
 * Who gets an edition, described by its owner (readers) with typed values, never SQL text: the ledger queues it
 * in one INSERT … SELECT over `audience_members(newsletter, articles, direct_links)`, the function readers own
 * (migrations/1795647100000-AudienceMembers.ts), one row per reader with its segment key. A null segment key
 * means nothing in the edition is for that reader (their ledger row is `skipped`).
 */
export interface Audience {
  /** Active readers with an active subscription to this newsletter. */
  newsletterId: number;
  /**
   * The edition's articles with their topics: each reader with topics gets the articles sharing one (by id);
   * null means every reader gets the whole edition (`all`), as a breaking alert does.
   */
  articles: ReadonlyArray<{ id: string; topics: string[] }> | null;
  /** Whether readers who opted out of click tracking get their own `-direct` segment (CLICK_TRACKING=on). */
  directLinks: boolean;
}

/** One compiled email of an edition segment; readers' links are still READER_PLACEHOLDERS. */
export interface SegmentMessage {
  subject: string;
  html: string;
  text: string;
  /** The newsletter the edition belongs to: its own List-Id, sender name and one-click unsubscribe. */
  list?: { slug: string; name: string; senderName: string | null };
}

/** Renders (once) the message a segment of an edition's audience gets. */
export interface MessageSource {
  renderSegment(editionId: string, segmentKey: string): Promise<SegmentMessage>;
}

/**
 * Composes a transactional message stored by template (TransactionalOutbox.enqueueWith): subject, HTML and text
 * from the template's name and the per-reader values stored with it. The readers module provides it.
 */

export interface MessageTemplates {
  composeTemplate(
    template: string,
    values: Record<string, string>,
  ): Promise<{ subject: string; html: string; text: string }>;
}

/** A reader's personal links and the token their unsubscribe mail carries. */
export interface RecipientLinks {
  token(subscriberId: string): string;
  /** With a newsletter (slug), the link ends only that subscription; without, every one. */
  unsubscribeUrl(subscriberId: string, newsletter?: string): string;
  preferencesUrl(subscriberId: string): string;
}

/**
 * The URL one delivery's reader follows for a tracked link of the message (an article link, the open pixel).
 * Delivery only asks for it by (delivery id, link); what the link leads to is the provider's business.
 */
export interface TrackedLinks {
  url(deliveryId: string, link: TrackedLink): string;
}

/** Whom a late report is about: its address, or (when the report hides it) the reader of the delivery it names. */
export type ReportedRecipient = { email: string } | { subscriberId: string };

/** The soft-bounce rule: SOFT_BOUNCE_LIMIT soft bounces within SOFT_BOUNCE_WINDOW_DAYS make a reader bounced. */
export interface SoftBounceRule {
  limit: number;
  windowDays: number;
}

/** The owner of readers' status, told what the ledger learnt about them. */
export interface RecipientEvents {
  /** Fact: the mail server refused these readers' addresses for good. */
  bounced(subscriberIds: string[]): Promise<void>;
  /**
   * Fact: a late report (webhook or bounce mailbox) says mail to this reader bounced for good, or they
   * complained (marked it spam). Returns the readers it names (none when unknown).
   */
  reported(who: ReportedRecipient, kind: 'bounced' | 'complained'): Promise<string[]>;
  /**
   * Fact: mail to this reader bounced for now (mailbox full, greylisted until the provider gave up). The
   * owner counts it (once per Message-ID) and decides when enough of them make the reader bounced.
   * Returns the readers counted, and those of them that this report made bounced.
   */
  softBounced(
    who: ReportedRecipient,
    messageId: string | null,
    rule: SoftBounceRule,
  ): Promise<{ readers: string[]; bounced: string[] }>;
}

/** What the workers saw when an edition's failures passed DELIVERY_FAILURE_PAUSE_PERCENT. */
export interface FailureReport {
  /** failed + bounced rows */
  bad: number;
  /** sent + failed + bounced rows */
  finished: number;
  limitPercent: number;
  lastError: string | null;
}

/**
 * The owner of editions' status, as delivery sees it: delivery asks which editions may send, and reports
 * facts about the ledger; the owner decides what each fact does to the edition.
 */
export interface EditionLifecycle {
  /** The audience of an edition (see Audience). */
  audienceOf(editionId: string): Promise<Audience>;
  /** Editions whose rows may be sent now. */
  sendingEditions(): Promise<string[]>;
  /** Editions that will never send again: their unsent rows become `skipped`. */
  cancelledEditions(): Promise<string[]>;
  /** Fact: none of a sending edition's `rows` ledger rows is queued or sending. True when it became sent. */
  allRowsFinished(editionId: string, rows: number): Promise<boolean>;
  /** Fact: the edition's failure rate passed the threshold. True when that paused it. */
  failureRatePassed(editionId: string, report: FailureReport): Promise<boolean>;
  /** Fact: failed rows of the edition were queued again. */
  failedRowsRequeued(editionId: string): Promise<void>;
  /**
   * Fact (from deliverability): the edition's complaints, or one mailbox provider's hard bounces, passed their
   * limit. True when that paused it; resuming is an editor's decision.
   */
  reputationAtRisk(editionId: string, report: ReputationReport): Promise<boolean>;
  /**
   * Fact (from deliverability): the edition's first message failed its self-check (DKIM against DNS, alignment);
   * `detail` is the receiver's verdict. True when that paused it; resuming is an editor's decision.
   */
  selfCheckFailed(editionId: string, detail: string): Promise<boolean>;
}

/** What deliverability saw when an edition put the domain's reputation at risk. */
export interface ReputationReport {
  cause: 'complaints' | 'hard-bounces';
  /** The mailbox provider most of them came from (Gmail, Yahoo/AOL, Outlook, iCloud, other domains). */
  provider: string;
  /** Complaints (or that provider's hard bounces) … */
  count: number;
  /** … of so many delivered (the edition's, or that provider's finished) … */
  of: number;
  /** … against this limit, e.g. `3‰` or `20%`. */
  limit: string;
  /** How many of `count` came from `provider`. */
  fromProvider: number;
}

/**
 * Who watches what the ledger records, when a module provides it (deliverability keeps rates by mailbox
 * provider from these facts). Optional: without a provider, delivery records nothing more.
 */
export interface LedgerEvents {
  /** Fact: these rows were written back with these statuses (`sent`, `bounced` at SMTP time, …). */
  writtenBack(results: ReadonlyArray<{ id: string; editionId: string; status: string }>): Promise<void>;
  /** Fact: a late report about these readers was applied (the message it names, when it names one). */
  lateReport(kind: 'hard' | 'soft' | 'complaint', subscriberIds: string[], messageId: string | null): Promise<void>;
}

/**
 * How many messages a day the domain may send, when a module limits it (deliverability's warm-up of a new
 * domain). Optional: without a provider, queued rows are due at once.
 */
export interface SendAllowance {
  /** Whether newly queued rows wait (held) until the allowance releases them. */
  holdsNewRows(): boolean;
  /**
   * Fact: rows were queued held; the allowance may release some of them now through `release` (which makes up
   * to `count` held rows due, the most engaged readers' first, and says how many).
   */
  heldRowsQueued(release: (count: number) => Promise<number>): Promise<void>;
}

/**
 * The implementations delivery's services use, supplied by the modules above it (each module's constructor calls
 * `supply`, e.g. DigestsModule supplies editionLifecycle with DigestEditionLifecycle). Those modules import
 * DeliveryModule, never the reverse, so the module graph has no cycle and no module needs to be global.
 */
@Injectable()
export class DeliveryPorts {
  readonly editionLifecycle = new Port<EditionLifecycle>('EditionLifecycle', 'DigestsModule');
  readonly messageSource = new Port<MessageSource>('MessageSource', 'DigestsModule');
  readonly recipientLinks = new Port<RecipientLinks>('RecipientLinks', 'SubscribersModule');
  readonly recipientEvents = new Port<RecipientEvents>('RecipientEvents', 'SubscribersModule');
  readonly messageTemplates = new Port<MessageTemplates>('MessageTemplates', 'SubscribersModule');
  readonly trackedLinks = new Port<TrackedLinks>('TrackedLinks', 'EngagementModule');
  /** Optional: without it, delivery records nothing more. */
  readonly ledgerEvents = new Port<LedgerEvents>('LedgerEvents', 'DeliverabilityModule');
  /** Optional: without it, queued rows are due at once. */
  readonly sendAllowance = new Port<SendAllowance>('SendAllowance', 'DeliverabilityModule');
}
