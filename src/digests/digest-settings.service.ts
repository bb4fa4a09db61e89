import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import type { Frequency } from '../common/frequency';
import { DigestSettingsRow } from './digest-settings.entity';

export type ArticleOrder = 'newest' | 'oldest';

/** What editors can change on the Settings screen. */
export interface DigestSettingsInput {
  /** `HH:MM`, 24 h, in TIMEZONE. */
  dailyTime: string;
  /** 0 = Sunday … 6 = Saturday; at least one. */
  dailyDays: number[];
  weeklyTime: string;
  weeklyDay: number;
  maxArticles: number;
  order: ArticleOrder;
}

/** The settings in force: the saved row, or the environment's defaults until an editor saves. */
export interface DigestSettings extends DigestSettingsInput {
  dailyCron: string;
  weeklyCron: string;
  source: 'database' | 'environment';
  updatedAt: Date | null;
  updatedBy: string | null;
}

const ALL_DAYS = [0, 1, 2, 3, 4, 5, 6];
// The shapes of cron the screen can show as a time and days: "M H * * D[,D…]" or "M H * * *".
const SIMPLE_CRON = /^(\d{1,2}) (\d{1,2}) \* \* (\*|[0-7](?:,[0-7])*)$/;

const pad = (n: number) => String(n).padStart(2, '0');

export function cronFromTime(time: string, days: number[]): string {
  const [hour, minute] = time.split(':').map(Number);
  const unique = [...new Set(days)].sort((a, b) => a - b);
  const dayField = unique.length === 7 ? '*' : unique.join(',');
  return `${minute} ${hour} * * ${dayField}`;
}

/** Time and days of a simple cron expression, or null when it has another shape (e.g. every 2 hours). */
export function timeFromCron(cron: string): { time: string; days: number[] } | null {
  const match = SIMPLE_CRON.exec(cron.trim());
  if (!match || Number(match[1]) > 59 || Number(match[2]) > 23) {
    return null;
  }
  const days = match[3] === '*' ? ALL_DAYS : [...new Set(match[3].split(',').map((d) => Number(d) % 7))];
  return { time: `${pad(Number(match[2]))}:${pad(Number(match[1]))}`, days: days.sort((a, b) => a - b) };
}

/**
 * Digest schedules, articles per digest and their order, stored in PostgreSQL (one row) so every instance uses
 * the same values and a change needs no restart. Listeners in this process hear of a save at once; other
 * processes notice `updated_at` moving (DigestScheduler polls it).
 */
@Injectable()
export class DigestSettingsService {
  private readonly logger = new Logger(DigestSettingsService.name);
  private readonly listeners = new Set<(settings: DigestSettings) => void>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** The settings in force; pass the manager of a running transaction to read inside it. */
  async current(manager: EntityManager = this.dataSource.manager): Promise<DigestSettings> {
    const row = await manager.getRepository(DigestSettingsRow).findOneBy({ id: 1 });
    return row ? this.fromRow(row) : this.defaults();
  }

  /** When the settings last changed (null: never saved), for cheap polling. */
  async lastChange(): Promise<Date | null> {
    const rows: { updated_at: Date }[] = await this.dataSource.query(
      'SELECT updated_at FROM digest_settings WHERE id = 1',
    );
    return rows[0]?.updated_at ?? null;
  }

  async save(input: DigestSettingsInput, updatedBy: string): Promise<DigestSettings> {
    await this.dataSource.query(
      `INSERT INTO digest_settings (id, daily_time, daily_days, weekly_time, weekly_day, max_articles, article_order,
                                    updated_by, updated_at)
       VALUES (1, $1, $2, $3, $4, $5, $6, $7, clock_timestamp())
       ON CONFLICT (id) DO UPDATE SET
         daily_time = EXCLUDED.daily_time, daily_days = EXCLUDED.daily_days, weekly_time = EXCLUDED.weekly_time,
         weekly_day = EXCLUDED.weekly_day, max_articles = EXCLUDED.max_articles,
         article_order = EXCLUDED.article_order, updated_by = EXCLUDED.updated_by, updated_at = clock_timestamp()`,
      [
        input.dailyTime,
        [...new Set(input.dailyDays)].sort((a, b) => a - b),
        input.weeklyTime,
        input.weeklyDay,
        input.maxArticles,
        input.order,
        updatedBy,
      ],
    );
    const saved = await this.current();
    this.logger.log(
      `Digest settings saved by ${updatedBy}: daily "${saved.dailyCron}", weekly "${saved.weeklyCron}", ` +
        `${saved.maxArticles} articles, ${saved.order} first`,
    );
    for (const listener of this.listeners) {
      listener(saved);
    }
    return saved;
  }

  /** Called after every save in this process. Returns the unsubscribe function. */
  onChange(listener: (settings: DigestSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  cronOf(settings: DigestSettings, frequency: Frequency): string {
    return frequency === 'daily' ? settings.dailyCron : settings.weeklyCron;
  }

  defaults(): DigestSettings {
    const digests = this.config.digests;
    const daily = timeFromCron(digests.dailyCron) ?? { time: '07:00', days: ALL_DAYS };
    const weekly = timeFromCron(digests.weeklyCron) ?? { time: '07:00', days: [5] };
    return {
      dailyTime: daily.time,
      dailyDays: daily.days,
      weeklyTime: weekly.time,
      weeklyDay: weekly.days[0] ?? 5,
      maxArticles: digests.maxArticles,
      order: digests.order,
      dailyCron: digests.dailyCron,
      weeklyCron: digests.weeklyCron,
      source: 'environment',
      updatedAt: null,
      updatedBy: null,
    };
  }

  private fromRow(row: DigestSettingsRow): DigestSettings {
    const dailyDays = row.dailyDays.map(Number);
    const weeklyDay = Number(row.weeklyDay);
    return {
      dailyTime: row.dailyTime,
      dailyDays,
      weeklyTime: row.weeklyTime,
      weeklyDay,
      maxArticles: row.maxArticles,
      order: row.articleOrder,
      dailyCron: cronFromTime(row.dailyTime, dailyDays),
      weeklyCron: cronFromTime(row.weeklyTime, [weeklyDay]),
      source: 'database',
      updatedAt: row.updatedAt,
      updatedBy: row.updatedBy,
    };
  }
}
