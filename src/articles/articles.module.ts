import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Article } from './article.entity';
import { ArticlesController } from './articles.controller';
import { ArticlesService } from './articles.service';
import { Feed } from './feed.entity';
import { FeedAddressPolicy } from './feed-address-policy';
import { FeedFetcher } from './feed-fetcher';
import { FeedPoller } from './feed-poller';
import { FeedRegistry } from './feed-registry';
import { FeedsController } from './feeds.controller';
import { Topic } from './topic.entity';
import { TopicCatalog } from './topic-catalog';

/** Articles: feed polling, push API, hashtag topics, sanitising. */
@Module({
  imports: [TypeOrmModule.forFeature([Article, Topic, Feed])],
  controllers: [ArticlesController, FeedsController],
  providers: [ArticlesService, FeedAddressPolicy, FeedFetcher, FeedPoller, FeedRegistry, TopicCatalog],
  exports: [ArticlesService, FeedPoller, FeedRegistry, TopicCatalog],
})
export class ArticlesModule {}
