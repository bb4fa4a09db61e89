import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Article } from '../articles/article.entity';
import { Topic } from '../articles/topic.entity';
import { stripHashtagMarkers, topicName } from '../articles/topics';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { EngagementStats } from '../engagement/engagement-stats.repository';
import type { EditionStatsDto, TopicStatsDto } from './dto/edition-stats.dto';
import { Edition } from './edition.entity';

export const TOPIC_STATS_DAYS = 30;

/** An edition's engagement as editors see it: engagement's aggregates with the edition's articles named. */
@Injectable()
export class EditionStats {
  constructor(
    @InjectRepository(Edition) private readonly editions: Repository<Edition>,
    @InjectRepository(Article) private readonly articles: Repository<Article>,
    @InjectRepository(Topic) private readonly topics: Repository<Topic>,
    private readonly engagement: EngagementStats,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async forEdition(editionId: string): Promise<EditionStatsDto> {
    const edition = await this.editions.findOne({
      where: { id: editionId },
      select: { id: true, articleIds: true, sendingStartedAt: true },
    });
    if (!edition) {
      throw new NotFoundException(`Edition ${editionId} does not exist`);
    }
    const stats = await this.engagement.forEdition(
      edition.id,
      edition.sendingStartedAt,
      this.config.engagement.openTracking,
    );
    const ids = stats.links.map((l) => l.articleId);
    const titles = new Map(
      ids.length > 0
        ? (await this.articles.find({ where: { id: In(ids) }, select: { id: true, title: true } })).map((a) => [
            a.id,
            stripHashtagMarkers(a.title),
          ])
        : [],
    );
    return {
      editionId: edition.id,
      delivered: stats.delivered,
      uniqueClickers: stats.uniqueClickers,
      clickRate: stats.clickRate,
      clicksByHour: stats.clicksByHour,
      articles: stats.links.map((l) => ({
        articleId: l.articleId,
        title: titles.get(l.articleId) ?? '',
        position: l.linkIndex,
        clicks: l.clicks,
        rank: l.rank,
      })),
      ...(stats.opens ? { opens: stats.opens } : {}),
    };
  }

  /** Readers who clicked, per edition, for the history list. */
  clickers(editionIds: string[]): Promise<Map<string, number>> {
    return this.engagement.clickersByEdition(editionIds);
  }

  /** Clicks per topic over the last TOPIC_STATS_DAYS days, with the topics' display names. */
  async byTopic(): Promise<TopicStatsDto> {
    const since = new Date(this.clock.now().getTime() - TOPIC_STATS_DAYS * 24 * 3600 * 1000);
    const rows = await this.engagement.byTopic(since);
    const keys = rows.map((r) => r.topic);
    const names = new Map(
      keys.length > 0 ? (await this.topics.findBy({ key: In(keys) })).map((t) => [t.key, t.name]) : [],
    );
    return { since, topics: rows.map((r) => ({ ...r, name: names.get(r.topic) ?? topicName(r.topic) })) };
  }
}
