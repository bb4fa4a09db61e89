import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Article } from './article.entity';
import { ArticlesController } from './articles.controller';
import { ArticlesService } from './articles.service';
import { Feed } from './feed.entity';
import { FeedFetcher } from './feed-fetcher';
import { FeedPoller } from './feed-poller';
import { FeedsController } from './feeds.controller';
import { Topic } from './topic.entity';

/** Articles: feed polling, push API, hashtag topics, sanitising. */
@Module({
  imports: [TypeOrmModule.forFeature([Article, Topic, Feed])],
  controllers: [ArticlesController, FeedsController],
  providers: [ArticlesService, FeedFetcher, FeedPoller],
  exports: [ArticlesService, FeedPoller],
})
export class ArticlesModule {}
