import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Article } from './article.entity';
import { Topic } from './topic.entity';

/** Articles: feed polling, push API, hashtag topics, sanitising. */
@Module({
  imports: [TypeOrmModule.forFeature([Article, Topic])],
})
export class ArticlesModule {}
