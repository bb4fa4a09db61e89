import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type FeedPollStatus = 'ok' | 'not_modified' | 'error';

/**
 * One polled feed: its HTTP validators (so conditional requests survive restarts) and the outcome of the last
 * poll, which editors read at `GET /admin/feeds`.
 */
@Entity('feeds')
export class Feed {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Index('uq_feeds_url', { unique: true })
  @Column('text')
  url: string;

  @Column('text', { nullable: true })
  etag: string | null;

  @Column('text', { name: 'last_modified', nullable: true })
  lastModified: string | null;

  @Column('timestamptz', { name: 'last_polled_at', nullable: true })
  lastPolledAt: Date | null;

  @Column('timestamptz', { name: 'last_success_at', nullable: true })
  lastSuccessAt: Date | null;

  @Column('text', { name: 'last_status', nullable: true })
  lastStatus: FeedPollStatus | null;

  /** Why the last poll failed, trimmed; never a response body. */
  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @Column('integer', { name: 'items_seen', default: 0 })
  itemsSeen: number;

  @Column('integer', { name: 'items_created', default: 0 })
  itemsCreated: number;

  @Column('integer', { name: 'items_updated', default: 0 })
  itemsUpdated: number;

  @Column('integer', { name: 'items_skipped', default: 0 })
  itemsSkipped: number;

  @Column('integer', { name: 'consecutive_failures', default: 0 })
  consecutiveFailures: number;

  /** The editor who added this feed on the newsroom screen; null for feeds from FEED_URLS. */
  @Column('text', { name: 'added_by', nullable: true })
  addedBy: string | null;

  /** Set when an editor removed the feed: it is not polled, even when FEED_URLS still lists it. */
  @Column('timestamptz', { name: 'removed_at', nullable: true })
  removedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
