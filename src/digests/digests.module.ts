import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Article } from '../articles/article.entity';
import { Topic } from '../articles/topic.entity';
import { Edition } from './edition.entity';
import { EditionRender } from './edition-render.entity';
import { EditionRenderer } from './edition-renderer';

/** Digests: edition assembly, scheduling, rendering, the editors' API. */
@Module({
  imports: [TypeOrmModule.forFeature([Edition, EditionRender, Article, Topic])],
  providers: [EditionRenderer],
  exports: [EditionRenderer],
})
export class DigestsModule {}
