import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { TRACKED_LINKS, type TrackedLinks } from '../delivery/delivery-ports';
import { Click } from './click.entity';
import { EditionLink } from './edition-link.entity';
import { EditionLinks } from './edition-links.repository';
import { EngagementController } from './engagement.controller';
import { EngagementRecorder } from './engagement-recorder';
import { EngagementStats } from './engagement-stats.repository';
import { Open } from './open.entity';
import { ReaderActivityRepository } from './reader-activity.repository';
import { READER_ACTIVITY } from '../subscribers/reader-activity';
import { TrackingTokens } from './tracking-tokens';
import { TrackingRepository } from './tracking.repository';

/**
 * Engagement: which links readers follow (and, when on, which emails they open), the stats of editions, and
 * what the weekly edition's most-read order needs. Global so that the ports it provides (delivery's tracked
 * link URLs, the readers' export of clicks and opens) reach those modules without them importing this one.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([EditionLink, Click, Open])],
  controllers: [EngagementController],
  providers: [
    TrackingTokens,
    TrackingRepository,
    EditionLinks,
    EngagementRecorder,
    EngagementStats,
    ReaderActivityRepository,
    { provide: READER_ACTIVITY, useExisting: ReaderActivityRepository },
    {
      provide: TRACKED_LINKS,
      useFactory: (tokens: TrackingTokens, config: AppConfig): TrackedLinks => ({
        url: (deliveryId, link) =>
          link.kind === 'open'
            ? config.url(`/o/${tokens.sign(deliveryId, link)}.gif`)
            : config.url(`/r/${tokens.sign(deliveryId, link)}`),
      }),
      inject: [TrackingTokens, AppConfig],
    },
  ],
  exports: [EditionLinks, EngagementStats, EngagementRecorder, TrackingTokens, TRACKED_LINKS, READER_ACTIVITY],
})
export class EngagementModule {}
