import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveryPorts } from '../delivery/delivery-ports';
import { DeliveryModule } from '../delivery/delivery.module';
import { ReaderPorts, SubscribersModule } from '../subscribers/subscribers.module';
import { Click } from './click.entity';
import { EditionLink } from './edition-link.entity';
import { EditionLinks } from './edition-links.repository';
import { EngagementController } from './engagement.controller';
import { EngagementRecorder } from './engagement-recorder';
import { EngagementStats } from './engagement-stats.repository';
import { Open } from './open.entity';
import { ReaderActivityRepository } from './reader-activity.repository';
import { TrackedLinkUrls } from './tracked-link-urls';
import { TrackingTokens } from './tracking-tokens';
import { TrackingRepository } from './tracking.repository';

/**
 * Engagement: which links readers follow (and, when on, which emails they open), the stats of editions, and
 * what the weekly edition's most-read order needs. Above delivery and subscribers: it supplies delivery's
 * tracked-link URLs and readers' clicks and opens for their privacy export.
 */
@Module({
  imports: [TypeOrmModule.forFeature([EditionLink, Click, Open]), DeliveryModule, SubscribersModule],
  controllers: [EngagementController],
  providers: [
    TrackingTokens,
    TrackingRepository,
    EditionLinks,
    EngagementRecorder,
    EngagementStats,
    ReaderActivityRepository,
    TrackedLinkUrls,
  ],
  exports: [EditionLinks, EngagementStats, EngagementRecorder, TrackingTokens],
})
export class EngagementModule {
  constructor(
    deliveryPorts: DeliveryPorts,
    readerPorts: ReaderPorts,
    links: TrackedLinkUrls,
    activity: ReaderActivityRepository,
  ) {
    deliveryPorts.trackedLinks.supply(links);
    readerPorts.readerActivity.supply(activity);
  }
}
