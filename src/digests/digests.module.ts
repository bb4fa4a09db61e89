import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Article } from '../articles/article.entity';
import { Topic } from '../articles/topic.entity';
import { DeliveryModule } from '../delivery/delivery.module';
import { BreakingAdminController } from './breaking-admin.controller';
import { BreakingNews } from './breaking-news';
import { DigestPreviews } from './digest-previews';
import { DigestScheduler } from './digest-scheduler';
import { DigestsAdminController } from './digests-admin.controller';
import { DigestsController } from './digests.controller';
import { EditionAssembler } from './edition-assembler';
import { EditionHistory } from './edition-history';
import { Edition } from './edition.entity';
import { EditionRender } from './edition-render.entity';
import { EditionRenderer } from './edition-renderer';
import { EditionsService } from './editions.service';

/** Digests: edition assembly, scheduling, rendering, the editors' API. */
@Module({
  imports: [TypeOrmModule.forFeature([Edition, EditionRender, Article, Topic]), DeliveryModule],
  controllers: [BreakingAdminController, DigestsAdminController, DigestsController],
  providers: [
    EditionRenderer,
    EditionAssembler,
    EditionsService,
    EditionHistory,
    DigestPreviews,
    DigestScheduler,
    BreakingNews,
  ],
  exports: [EditionRenderer, EditionsService, EditionHistory, BreakingNews],
})
export class DigestsModule {}
