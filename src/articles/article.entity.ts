import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('articles')
@Index('ix_articles_published_at', ['publishedAt'])
export class Article {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Index('uq_articles_url', { unique: true })
  @Column('text')
  url: string;

  @Index('uq_articles_guid', { unique: true })
  @Column('text', { nullable: true })
  guid: string | null;

  /** Plain text, never markup. */
  @Column('text')
  title: string;

  /** Plain text, hashtags shown as words, cut at a word boundary. */
  @Column('text', { default: '' })
  summary: string;

  /** Allow-list sanitised HTML, absolute URLs only. */
  @Column('text', { name: 'body_html', nullable: true })
  bodyHtml: string | null;

  @Column('text', { nullable: true })
  author: string | null;

  @Column('text', { name: 'image_url', nullable: true })
  imageUrl: string | null;

  @Column('timestamptz', { name: 'published_at' })
  publishedAt: Date;

  /** When the source last changed the article (feed `updated` / CMS). */
  @Column('timestamptz', { name: 'source_updated_at', nullable: true })
  sourceUpdatedAt: Date | null;

  /** Normalised topic keys (see topics table for display names). */
  @Index('ix_articles_topics', { synchronize: false })
  @Column('text', { array: true, default: () => "'{}'" })
  topics: string[];

  /** Where it came from: the feed URL, or `push`. */
  @Column('text')
  source: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
