import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An editor's decisions for the next edition of one frequency; deleted when that edition is created. */
@Entity('edition_plans')
export class EditionPlanRow {
  @PrimaryColumn('text')
  /** The digest newsletter's slug (the column predates newsletters, when `daily` and `weekly` were all). */
  frequency: string;

  /** Dropped by an editor: not sent, and not proposed again. */
  @Column('bigint', { name: 'excluded_article_ids', array: true, default: () => "'{}'" })
  excludedArticleIds: string[];

  /** The order the editor arranged; articles not listed follow in the default order. */
  @Column('bigint', { name: 'ordered_article_ids', array: true, default: () => "'{}'" })
  orderedArticleIds: string[];

  /** Pinned as the lead story: always first. */
  @Column('bigint', { name: 'lead_article_id', nullable: true })
  leadArticleId: string | null;

  @Column('text', { nullable: true })
  subject: string | null;

  @Column('text', { nullable: true })
  preheader: string | null;

  @Column('text', { name: 'editor_note', nullable: true })
  editorNote: string | null;

  @Column('text', { name: 'updated_by', nullable: true })
  updatedBy: string | null;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
