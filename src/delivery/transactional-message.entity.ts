import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type TransactionalStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'bounced' | 'skipped';

/**
 * One email that is not a digest edition (see migration TransactionalMessages). subscriber_id is a foreign
 * key ON DELETE CASCADE in the schema (erasing a reader erases their messages); the entity keeps only the id.
 */
@Entity('transactional_messages')
@Index('uq_transactional_messages_dedupe', ['dedupeKey'], { unique: true })
@Index('ix_transactional_messages_pending', ['id'], { where: `status IN ('queued', 'sending')` })
@Index('ix_transactional_messages_subscriber', ['subscriberId', 'kind'], { where: 'subscriber_id IS NOT NULL' })
export class TransactionalMessage {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** confirmation, welcome, reminder, sunset, editor-invitation, test-send */
  @Column('text')
  kind: string;

  /** Null only on a `skipped` no-op row. */
  @Column('text', { nullable: true })
  recipient: string | null;

  @Column('bigint', { name: 'subscriber_id', nullable: true })
  subscriberId: string | null;

  @Column('text', { default: 'queued' })
  status: TransactionalStatus;

  @Column('int', { default: 0 })
  attempts: number;

  @Column('timestamptz', { name: 'next_attempt_at', default: () => 'clock_timestamp()' })
  nextAttemptAt: Date;

  @Column('timestamptz', { name: 'lease_expires_at', nullable: true })
  leaseExpiresAt: Date | null;

  /** The worker process holding the claim (WorkerIdentity): claimable at once when its lock is free. */
  @Column('int', { name: 'claimed_by', nullable: true })
  claimedBy: number | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  /** Random, drawn at enqueue time: the Message-ID's left part, the same on every retransmission. */
  @Column('uuid', { name: 'message_key', default: () => 'gen_random_uuid()' })
  messageKey: string;

  @Column('text', { name: 'message_id', nullable: true })
  messageId: string | null;

  @Column('text', { name: 'dedupe_key', nullable: true })
  dedupeKey: string | null;

  @Column('text', { nullable: true })
  subject: string | null;

  @Column('text', { nullable: true })
  html: string | null;

  @Column('text', { nullable: true })
  text: string | null;

  @Column('jsonb', { nullable: true })
  headers: Record<string, string> | null;

  /** Set instead of html and text: composed from this template when sent (MessageTemplates). */
  @Column('text', { nullable: true })
  template: string | null;

  /** The template's per-reader values (a token): cleared once the message is accepted. */
  @Column('jsonb', { name: 'template_values', nullable: true })
  templateValues: Record<string, string> | null;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt: Date | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'clock_timestamp()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'clock_timestamp()' })
  updatedAt: Date;
}
