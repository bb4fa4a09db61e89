import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ConsentRecord } from './subscriber.entity';

export type SubscriptionStatus = 'active' | 'unsubscribed';

/**
 * A reader × a newsletter. Whether mail goes out is both: the reader's address is active (confirmed, not
 * bounced) and this subscription is active.
 */
@Entity('subscriptions')
export class Subscription {
  @PrimaryColumn('bigint', { name: 'subscriber_id' })
  subscriberId: string;

  @PrimaryColumn('integer', { name: 'newsletter_id' })
  newsletterId: number;

  @Column('text', { default: 'active' })
  status: SubscriptionStatus;

  /** What the reader agreed to for this newsletter, and where. */
  @Column('jsonb', { nullable: true })
  consent: ConsentRecord | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'unsubscribed_at', nullable: true })
  unsubscribedAt: Date | null;

  @Column('text', { name: 'unsubscribe_reason', nullable: true })
  unsubscribeReason: string | null;
}
