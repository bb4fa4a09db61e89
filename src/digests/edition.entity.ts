import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Frequency } from '../common/frequency';

export type EditionStatus = 'draft' | 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled' | 'skipped';

@Entity('editions')
export class Edition {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** One edition per frequency and window, e.g. `daily:2026-11-24`. */
  @Index('uq_editions_key', { unique: true })
  @Column('text')
  key: string;

  @Column('text')
  frequency: Frequency;

  @Column('timestamptz', { name: 'window_from' })
  windowFrom: Date;

  @Column('timestamptz', { name: 'window_to' })
  windowTo: Date;

  /** Article ids in the order they appear in the email. */
  @Column('bigint', { name: 'article_ids', array: true, default: () => "'{}'" })
  articleIds: string[];

  /** Articles of the window beyond DIGEST_MAX_ARTICLES: not sent in this edition nor carried to the next. */
  @Column('bigint', { name: 'left_out_article_ids', array: true, default: () => "'{}'" })
  leftOutArticleIds: string[];

  @Column('text', { default: '' })
  subject: string;

  @Column('text', { default: '' })
  preheader: string;

  @Column('text', { default: 'draft' })
  status: EditionStatus;

  /** Why the edition is paused/cancelled/skipped, for editors. */
  @Column('text', { name: 'status_reason', nullable: true })
  statusReason: string | null;

  /** Compiled HTML and text of the full edition (every article), with per-reader placeholders. */
  @Column('text', { nullable: true })
  html: string | null;

  @Column('text', { nullable: true })
  text: string | null;

  @Column('text', { name: 'triggered_by', default: 'schedule' })
  triggeredBy: string;

  /** The editor's note shown above the articles (plain text). */
  @Column('text', { name: 'editor_note', nullable: true })
  editorNote: string | null;

  /** When an edition in status `scheduled` goes out (set by an editor). */
  @Column('timestamptz', { name: 'scheduled_for', nullable: true })
  scheduledFor: Date | null;

  @Column('timestamptz', { name: 'sending_started_at', nullable: true })
  sendingStartedAt: Date | null;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
