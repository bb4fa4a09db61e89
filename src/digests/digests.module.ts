import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Article } from '../articles/article.entity';
import { Topic } from '../articles/topic.entity';
import { DeliveryPorts } from '../delivery/delivery-ports';
import { DeliveryModule } from '../delivery/delivery.module';
import { EngagementModule } from '../engagement/engagement.module';
import { ReaderPorts, SubscribersModule } from '../subscribers/subscribers.module';
import { BreakingAdminController } from './breaking-admin.controller';
import { BreakingNews } from './breaking-news';
import { DigestPlanAdminController } from './digest-plan-admin.controller';
import { DigestPreviews } from './digest-previews';
import { DigestScheduler } from './digest-scheduler';
import { DigestsAdminController } from './digests-admin.controller';
import { EditionArchive } from './edition-archive';
import { DigestsController } from './digests.controller';
import { EditionLabelsOfEditions, EditionMessageSource } from './digests-ports';
import { EditionAssembler } from './edition-assembler';
import { EditionHistory } from './edition-history';
import { DigestEditionLifecycle } from './edition-lifecycle';
import { EditionOverview } from './edition-overview';
import { Edition } from './edition.entity';
import { EditionRender } from './edition-render.entity';
import { EditionRenderer } from './edition-renderer';
import { SegmentLinks } from './edition-segments';
import { EditionsRepository } from './editions.repository';
import { EditionsService } from './editions.service';
import { DigestSettingsRow } from './digest-settings.entity';
import { DigestSettingsService } from './digest-settings.service';
import { EditionPlanRow } from './edition-plan.entity';
import { EditionPlanRepository } from './edition-plan.repository';
import { NewsletterCatalog } from './newsletter-catalog';
import { NewslettersAdminController } from './newsletters-admin.controller';
import { NextEditionPlanService } from './next-edition-plan.service';
import { ScheduledEditions } from './scheduled-editions';
import { WeeklyReadership } from './weekly-readership';
import { EditionStats } from './edition-stats';
import { EditionStatsController } from './edition-stats.controller';
import { TextIsolation } from './text-isolation';

/**
 * Digests: edition assembly, scheduling, rendering, editions' whole life cycle, the editors' API. Above
 * delivery, subscribers and engagement: it supplies delivery the editions' life cycle and messages, and readers
 * the editions' labels.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Edition, EditionRender, Article, Topic, EditionPlanRow, DigestSettingsRow]),
    DeliveryModule,
    SubscribersModule,
    EngagementModule,
  ],
  controllers: [
    BreakingAdminController,
    DigestsAdminController,
    DigestPlanAdminController,
    DigestsController,
    EditionStatsController,
    NewslettersAdminController,
  ],
  providers: [
    NewsletterCatalog,
    EditionsRepository,
    EditionRenderer,
    SegmentLinks,
    EditionAssembler,
    EditionsService,
    DigestEditionLifecycle,
    EditionHistory,
    DigestPreviews,
    DigestScheduler,
    DigestSettingsService,
    EditionPlanRepository,
    NextEditionPlanService,
    ScheduledEditions,
    EditionOverview,
    BreakingNews,
    EditionArchive,
    WeeklyReadership,
    EditionStats,
    TextIsolation,
    EditionMessageSource,
    EditionLabelsOfEditions,
  ],
  exports: [
    EditionRenderer,
    EditionsService,
    EditionOverview,
    EditionHistory,
    EditionStats,
    BreakingNews,
    DigestPreviews,
    DigestScheduler,
    DigestSettingsService,
    NextEditionPlanService,
    ScheduledEditions,
    NewsletterCatalog,
  ],
})
export class DigestsModule {
  constructor(
    deliveryPorts: DeliveryPorts,
    readerPorts: ReaderPorts,
    lifecycle: DigestEditionLifecycle,
    messages: EditionMessageSource,
    labels: EditionLabelsOfEditions,
  ) {
    deliveryPorts.editionLifecycle.supply(lifecycle);
    deliveryPorts.messageSource.supply(messages);
    readerPorts.editionLabels.supply(labels);
  }
}
