import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EngagementStats } from '../engagement/engagement-stats.repository';
import { AppConfig } from '../config/app-config';

/**
 * What readers clicked in a week's daily editions, for the weekly edition's order (WEEKLY_ORDER=most-read) and
 * its lead's «most read this week» line (`digest.mostRead`). The daily editions are those whose window closed inside the week's
 * window and that reached readers.
 */
@Injectable()
export class WeeklyReadership {
  constructor(
    private readonly stats: EngagementStats,
    private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    return this.config.digests.weeklyOrder === 'most-read';
  }

  /** Readers who clicked each article in the dailies of (from, to]; empty when most-read order is off. */
  async readersByArticle(manager: EntityManager, from: Date, to: Date): Promise<Map<string, number>> {
    if (!this.enabled) {
      return new Map();
    }
    const dailies: Array<{ id: string }> = await manager.query(
      `SELECT id FROM editions
        WHERE frequency = 'daily' AND status IN ('sending', 'paused', 'sent')
          AND window_to > $1 AND window_to <= $2`,
      [from, to],
    );
    return this.stats.readersByArticle(dailies.map((e) => e.id));
  }
}

/**
 * Candidates by readers who clicked them, most first; ties (and unclicked ones) keep their given order, which
 * is recency. With no click at all the order is unchanged: the weekly falls back to recency.
 */
export function byMostRead<T extends { id: string }>(articles: T[], readers: Map<string, number>): T[] {
  if (![...readers.values()].some((n) => n > 0)) {
    return articles;
  }
  return articles
    .map((article, position) => ({ article, position, readers: readers.get(article.id) ?? 0 }))
    .sort((a, b) => b.readers - a.readers || a.position - b.position)
    .map((r) => r.article);
}
