import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The one row of schedule and selection settings editors saved; absent until the first save. */
@Entity('digest_settings')
export class DigestSettingsRow {
  @PrimaryColumn('smallint', { default: 1 })
  id: number;

  /** `HH:MM` in TIMEZONE. */
  @Column('text', { name: 'daily_time' })
  dailyTime: string;

  /** Weekdays the daily digest goes out, 0 = Sunday … 6 = Saturday. */
  @Column('smallint', { name: 'daily_days', array: true })
  dailyDays: number[];

  @Column('text', { name: 'weekly_time' })
  weeklyTime: string;

  @Column('smallint', { name: 'weekly_day' })
  weeklyDay: number;

  @Column('integer', { name: 'max_articles' })
  maxArticles: number;

  @Column('text', { name: 'article_order' })
  articleOrder: 'newest' | 'oldest';

  @Column('text', { name: 'updated_by', nullable: true })
  updatedBy: string | null;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
