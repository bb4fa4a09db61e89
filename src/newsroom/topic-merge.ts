import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TopicCatalog } from '../articles/topic-catalog';
import { NotFoundError } from '../common/domain-errors';
import { ReaderDirectory } from '../subscribers/reader-directory';

/**
 * Merging topic A into B touches two modules' tables: articles (articles/) and readers' followed topics
 * (subscribers/). Each module changes its own rows; this use case, above both, runs them in one transaction
 * so no reader or article is ever left pointing at a topic that no longer exists.
 */
@Injectable()
export class TopicMerge {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly topics: TopicCatalog,
    private readonly readers: ReaderDirectory,
  ) {}

  /** `into` may be the key, another spelling of it, or the display name the editor typed. */
  async merge(from: string, intoTyped: string): Promise<{ into: string; articles: number; readers: number }> {
    const into = await this.topics.resolve(intoTyped);
    if (!into) {
      throw new NotFoundError('errors.topicMergeTargetMissing', { name: intoTyped.slice(0, 80) });
    }
    return this.dataSource.transaction(async (manager) => {
      const articles = await this.topics.mergeArticles(from, into, manager);
      const readers = await this.readers.replaceTopic(from, into, manager);
      return { into, articles, readers };
    });
  }
}
