import type { TrackedLink } from '../common/reader-placeholders';

/**
 * What delivery needs from the modules above it, declared here as injection tokens so delivery never imports
 * them: digests provides the edition's life cycle and its messages, subscribers provide readers' links.
 * Delivery knows messages, recipients and a ledger; it never reads or changes the editions table.
 */

/**
 * Who gets an edition: a SELECT yielding `(subscriber_id bigint, segment_key text)` rows, one per reader, with
 * its parameters ($1…$n). A null segment_key means nothing in the edition is for that reader (their ledger
 * row is `skipped`). Kept as SQL so the ledger can queue a whole audience in one INSERT … SELECT.
 */
export interface Audience {
  sql: string;
  params: unknown[];
}

/** One compiled email of an edition segment; readers' links are still READER_PLACEHOLDERS. */
export interface SegmentMessage {
  subject: string;
  html: string;
  text: string;
  /** The newsletter the edition belongs to: its own List-Id, sender name and one-click unsubscribe. */
  list?: { slug: string; name: string; senderName: string | null };
}

export const MESSAGE_SOURCE = Symbol('MESSAGE_SOURCE');
/** Renders (once) the message a segment of an edition's audience gets. */
export interface MessageSource {
  renderSegment(editionId: string, segmentKey: string): Promise<SegmentMessage>;
}

export const RECIPIENT_LINKS = Symbol('RECIPIENT_LINKS');
/** A reader's personal links and the token their unsubscribe mail carries. */
export interface RecipientLinks {
  token(subscriberId: string): string;
  /** With a newsletter (slug), the link ends only that subscription; without, every one. */
  unsubscribeUrl(subscriberId: string, newsletter?: string): string;
  preferencesUrl(subscriberId: string): string;
}

export const TRACKED_LINKS = Symbol('TRACKED_LINKS');
/**
 * The URL one delivery's reader follows for a tracked link of the message (an article link, the open pixel).
 * Delivery only asks for it by (delivery id, link); what the link leads to is the provider's business.
 */
export interface TrackedLinks {
  url(deliveryId: string, link: TrackedLink): string;
}

export const RECIPIENT_EVENTS = Symbol('RECIPIENT_EVENTS');
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

export const EDITION_LIFECYCLE = Symbol('EDITION_LIFECYCLE');
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
}
