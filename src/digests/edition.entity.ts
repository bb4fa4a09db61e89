import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Frequency } from '../common/frequency';

export type EditionStatus = 'draft' | 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled' | 'skipped';

/** `digest`: the daily/weekly selection; `breaking`: one article sent at once to every active reader. */
export type EditionKind = 'digest' | 'breaking';

@Entity('editions')
export class Edition {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /**
   * One edition per newsletter and window, `<slug>:<date>` (e.g. `daily:2026-11-24`); one alert per article and
   * alerts newsletter, `breaking/<id>` (or `<slug>/<id>`).
   */
  @Index('uq_editions_key', { unique: true })
  @Column('text')
  key: string;

  @Column('text', { default: 'digest' })
  kind: EditionKind;

  /** The readers' cadence a digest is for; NULL for a breaking alert, which goes to every cadence. */
  @Column('text', { nullable: true })
  frequency: Frequency | null;

  /** The newsletter the edition belongs to (its audience, List-Id and unsubscribe link). */
  @Column('integer', { name: 'newsletter_id', nullable: true })
  newsletterId: number | null;

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
