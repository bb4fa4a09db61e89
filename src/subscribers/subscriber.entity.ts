import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Frequency } from '../common/frequency';

export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced' | 'complained';

// Kept for code that imported it from here; the type lives in common/ (digests use it too).
export type { Frequency };

/** What the reader agreed to, and where: kept as evidence of consent. */
export interface ConsentRecord {
  at: string;
  page: string | null;
  ip: string | null;
  userAgent: string | null;
  wording: string;
}

@Entity('subscribers')
export class Subscriber {
  // bigint ids (strings in JS) keep keyset walks over large audiences cheap.
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** The address as it is mailed: trimmed, domain lower-cased (Unicode form for IDNs). */
  @Column('text')
  email: string;

  /** Case-folded address used to find duplicates (`Reader@Example.COM` = `reader@example.com`). */
  @Index('uq_subscribers_email_key', { unique: true })
  @Column('text', { name: 'email_key' })
  emailKey: string;

  @Column('text', { default: 'pending' })
  status: SubscriberStatus;

  @Column('text', { default: 'daily' })
  frequency: Frequency;

  /** Topic keys the reader follows; empty means everything. */
  @Index('ix_subscribers_topics', { synchronize: false })
  @Column('text', { array: true, default: () => "'{}'" })
  topics: string[];

  @Column('text', { default: 'ar' })
  locale: string;

  /** False when the reader chose "don't track my clicks": their digests carry direct links and no pixel. */
  @Column('boolean', { name: 'track_clicks', default: true })
  trackClicks: boolean;

  @Column('jsonb', { nullable: true })
  consent: ConsentRecord | null;

  /** sha256 of the current confirmation token; the token itself is only ever in the email. */
  @Column('text', { name: 'confirmation_token_hash', nullable: true })
  confirmationTokenHash: string | null;

  @Column('timestamptz', { name: 'confirmation_expires_at', nullable: true })
  confirmationExpiresAt: Date | null;

  @Column('timestamptz', { name: 'confirmation_sent_at', nullable: true })
  confirmationSentAt: Date | null;

  @Column('timestamptz', { name: 'confirmed_at', nullable: true })
  confirmedAt: Date | null;

  @Column('timestamptz', { name: 'unsubscribed_at', nullable: true })
  unsubscribedAt: Date | null;

  /** Why the reader left: `reader` (they asked) or `inactive` (the sunset rule). */
  @Column('text', { name: 'unsubscribe_reason', nullable: true })
  unsubscribeReason: string | null;

  /** Last sign the reader reads us (confirmation, a click, the keep link); moved only by ReaderEngagement. */
  @Index('ix_subscribers_active_engagement', { synchronize: false })
  @Column('timestamptz', { name: 'last_engaged_at', nullable: true })
  lastEngagedAt: Date | null;

  @Column('timestamptz', { name: 'bounced_at', nullable: true })
  bouncedAt: Date | null;

  /** Soft bounces since `softBouncesSince` (see ReaderBounces.softBounced); SOFT_BOUNCE_LIMIT makes the reader bounced. */
  @Column('int', { name: 'soft_bounces', default: 0 })
  softBounces: number;

  @Column('timestamptz', { name: 'soft_bounces_since', nullable: true })
  softBouncesSince: Date | null;

  /** The Message-ID last counted, so one message reported twice counts once. */
  @Column('text', { name: 'last_soft_bounce_message_id', nullable: true })
  lastSoftBounceMessageId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
