import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A topic: normalised key (`صلاح_الدين`) and how it is shown (`صلاح الدين`). */
@Entity('topics')
export class Topic {
  @PrimaryColumn('text')
  key: string;

  @Column('text')
  name: string;

  /** How often each clean spelling was written; `name` is the preferred one (see topic-spellings.ts). */
  @Column('jsonb', { default: {} })
  spellings: Record<string, number>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
