import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A topic: normalised key (`صلاح_الدين`) and how it is shown (`صلاح الدين`). */
@Entity('topics')
export class Topic {
  @PrimaryColumn('text')
  key: string;

  @Column('text')
  name: string;

  /** Editors choose which topics readers may follow on their preferences page. */
  @Column('boolean', { default: true })
  followable: boolean;

  /** Hidden from readers' preferences (a one-off hashtag, a merged-away spelling). */
  @Column('boolean', { default: false })
  hidden: boolean;

  /** How often each clean spelling was written; `name` is the preferred one (see topic-spellings.ts). */
  @Column('jsonb', { default: {} })
  spellings: Record<string, number>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
