import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Edition } from './edition.entity';

/**
 * The compiled email for one topic segment of an edition (the articles a group of readers gets).
 * Compiled once and shared by every worker process; readers' links are substituted into it.
 */
@Entity('edition_renders')
@Index('uq_edition_renders_segment', ['editionId', 'segmentKey'], { unique: true })
export class EditionRender {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('bigint', { name: 'edition_id' })
  editionId: string;

  @ManyToOne(() => Edition, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'edition_id' })
  edition?: Edition;

  /** `all`, or the sorted article ids of the segment joined by `,`. */
  @Column('text', { name: 'segment_key' })
  segmentKey: string;

  @Column('bigint', { name: 'article_ids', array: true })
  articleIds: string[];

  @Column('text')
  subject: string;

  @Column('text')
  html: string;

  @Column('text')
  text: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
