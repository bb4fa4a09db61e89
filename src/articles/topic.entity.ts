import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A topic: normalised key (`صلاح_الدين`) and how it is shown (`صلاح الدين`). */
@Entity('topics')
export class Topic {
  @PrimaryColumn('text')
  key: string;

  @Column('text')
  name: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
