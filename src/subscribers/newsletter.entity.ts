import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Frequency } from '../common/frequency';

/** `digest`: a selection of articles on a schedule; `alerts`: one article sent at once by an editor. */
export type NewsletterKind = 'digest' | 'alerts';
export type NewsletterStatus = 'active' | 'archived';

/** Something a reader can subscribe to: the daily, the weekly, breaking alerts, a topic newsletter… */
@Entity('newsletters')
export class Newsletter {
  @PrimaryGeneratedColumn('identity', { type: 'integer', generatedIdentity: 'ALWAYS' })
  id: number;

  /** Stable name in URLs, APIs, List-Id and edition keys: `daily`, `weekly`, `breaking`, `economy`. */
  @Column('text')
  slug: string;

  /** Arabic name shown to readers. */
  @Column('text')
  name: string;

  /** One line shown under the name on the form and the preferences page. */
  @Column('text', { default: '' })
  description: string;

  @Column('text')
  kind: NewsletterKind;

  /** A digest's cadence: the first edition's look-back, the edition key's shape, weekly most-read ordering. */
  @Column('text', { nullable: true })
  period: Frequency | null;

  /** Cron in TIMEZONE; NULL for a digest means the standard schedule of its period (digest settings). */
  @Column('text', { name: 'schedule_cron', nullable: true })
  scheduleCron: string | null;

  /** Only articles carrying one of these topics; empty means every article. */
  @Column('text', { array: true, default: () => "'{}'" })
  topics: string[];

  /** NULL: the digest settings' articles per digest. */
  @Column('integer', { name: 'max_articles', nullable: true })
  maxArticles: number | null;

  /** NULL: the digest settings' order. */
  @Column('text', { name: 'article_order', nullable: true })
  articleOrder: 'newest' | 'oldest' | null;

  /** The From display name of its emails; NULL: MAIL_FROM's. */
  @Column('text', { name: 'sender_name', nullable: true })
  senderName: string | null;

  @Column('boolean', { name: 'show_on_form', default: true })
  showOnForm: boolean;

  @Column('boolean', { name: 'default_checked', default: false })
  defaultChecked: boolean;

  @Column('text', { default: 'active' })
  status: NewsletterStatus;

  /** Order on the form, the preferences page and the screens. */
  @Column('integer', { default: 100 })
  position: number;

  /** Active subscriptions of active readers, kept by triggers (migration Newsletters). */
  @Column('integer', { name: 'subscriber_count', default: 0 })
  subscriberCount: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
