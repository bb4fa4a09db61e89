import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One tracked article link of an edition: where `/r/<token>` of link `linkIndex` leads (UTM tags included). */
@Entity('edition_links')
export class EditionLink {
  @PrimaryColumn('bigint', { name: 'edition_id' })
  editionId: string;

  /** 1-based place of the article in the edition (the same in every segment). */
  @PrimaryColumn('smallint', { name: 'link_index' })
  linkIndex: number;

  @Column('bigint', { name: 'article_id' })
  articleId: string;

  /** The article's topic keys when the edition was rendered (per-topic stats). */
  @Column('text', { array: true, default: () => "'{}'" })
  topics: string[];

  /** The only place a click may be redirected to. */
  @Column('text', { name: 'target_url' })
  targetUrl: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
