import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'bounced' | 'skipped';

/** The ledger: one row per (edition, reader); the unique key is what makes "exactly once" hold. */
@Entity('deliveries')
@Index('uq_deliveries_edition_subscriber', ['editionId', 'subscriberId'], { unique: true })
@Index('ix_deliveries_claim', ['editionId', 'status', 'nextAttemptAt'])
// What workers claim from: only unfinished rows (see migration DeliveryPendingIndex).
@Index('ix_deliveries_pending', ['id'], { where: `status IN ('queued', 'sending')` })
// One edition's unfinished rows in claim order (see migration DeliveryPendingByEditionIndex).
@Index('ix_deliveries_pending_edition', ['editionId', 'id'], { where: `status IN ('queued', 'sending')` })
// Late reports name a finished delivery by its Message-ID (see migration DeliveryMessageKeyIndex).
@Index('ix_deliveries_message_key', ['messageKey'], { where: `status NOT IN ('queued', 'sending')` })
export class Delivery {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('bigint', { name: 'edition_id' })
  editionId: string;

  @Column('bigint', { name: 'subscriber_id' })
  subscriberId: string;

  // Both ids are foreign keys ON DELETE CASCADE in the schema (migration Initial): erasing a reader erases
  // their ledger rows too. The entity keeps only the ids, so delivery imports no other module's entity; a
  // migration generated from entities would offer to drop those keys: leave them out of it.

  /** Which compiled render this reader gets (see EditionRender.segmentKey). */
  @Column('text', { name: 'segment_key', default: 'all' })
  segmentKey: string;

  @Column('text', { default: 'queued' })
  status: DeliveryStatus;

  @Column('int', { default: 0 })
  attempts: number;

  @Column('timestamptz', { name: 'next_attempt_at', default: () => 'now()' })
  nextAttemptAt: Date;

  @Column('timestamptz', { name: 'lease_expires_at', nullable: true })
  leaseExpiresAt: Date | null;

  /** The worker process holding the claim (WorkerIdentity): claimable at once when its lock is free. */
  @Column('int', { name: 'claimed_by', nullable: true })
  claimedBy: number | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @Column('text', { name: 'message_id', nullable: true })
  messageId: string | null;

  /** Random, drawn at queue time; the Message-ID's left part (see deliveryMessageId). */
  @Column('uuid', { name: 'message_key', default: () => 'gen_random_uuid()' })
  messageKey: string;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
