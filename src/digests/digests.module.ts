import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Article } from '../articles/article.entity';
import { Topic } from '../articles/topic.entity';
import { DeliveryModule } from '../delivery/delivery.module';
import { DigestPlanAdminController } from './digest-plan-admin.controller';
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
import { DigestSettingsRow } from './digest-settings.entity';
import { DigestSettingsService } from './digest-settings.service';
import { EditionPlanRow } from './edition-plan.entity';
import { EditionPlanRepository } from './edition-plan.repository';
import { NextEditionPlanService } from './next-edition-plan.service';
import { ScheduledEditions } from './scheduled-editions';

/** Digests: edition assembly, scheduling, rendering, the editors' API. */
@Module({
  imports: [
    TypeOrmModule.forFeature([Edition, EditionRender, Article, Topic, EditionPlanRow, DigestSettingsRow]),
    DeliveryModule,
  ],
  controllers: [DigestsAdminController, DigestPlanAdminController, DigestsController],
  providers: [
    EditionRenderer,
    EditionAssembler,
    EditionsService,
    EditionHistory,
    DigestPreviews,
    DigestScheduler,
    DigestSettingsService,
    EditionPlanRepository,
    NextEditionPlanService,
    ScheduledEditions,
  ],
  exports: [
    EditionRenderer,
    EditionsService,
    EditionHistory,
    DigestPreviews,
    DigestScheduler,
    DigestSettingsService,
    NextEditionPlanService,
    ScheduledEditions,
  ],
})
export class DigestsModule {}
