import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MESSAGE_TEMPLATES, RECIPIENT_EVENTS, RECIPIENT_LINKS } from '../delivery/delivery-ports';
import { DeliveryModule } from '../delivery/delivery.module';
import { AudienceRepository } from './audience.repository';
import { EmbedController } from './embed.controller';
import { ImportConfirmations } from './import/import-confirmations';
import { ReaderImportRepository } from './import/reader-import.repository';
import { ReaderImporter } from './import/reader-importer';
import { NewsletterReaderCounts } from './newsletter-reader-counts';
import { NewslettersRepository } from './newsletters.repository';
import { ReaderDirectory } from './reader-directory';
import { ReaderExceptionFilter } from './reader-exception.filter';
import { ReaderBounces } from './reader-bounces';
import { ReaderEmails } from './reader-emails';
import { ReaderEngagement } from './reader-engagement';
import { ReaderLifecycle } from './reader-lifecycle';
import { ReaderCountsReconciliation } from './reader-counts-reconciliation';
import { ReaderPages } from './reader-pages';
import { ReaderStats } from './reader-stats';
import { SignupEdgeMiddleware } from './signup-edge.middleware';
import { SignupLimits } from './signup-limits';
import { Subscriber } from './subscriber.entity';
import { SubscriberLinks } from './subscriber-links';
import { SubscriberPrivacyService } from './subscriber-privacy.service';
import { SubscribersAdminController } from './subscribers-admin.controller';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscribersRepository } from './subscribers.repository';
import { SubscriptionsService } from './subscriptions.service';
import { Suppression } from './suppression.entity';
import { Suppressions } from './suppressions';

/**
 * Readers: footer form, signup, double opt-in, unsubscribe, preferences, privacy, and who gets each edition
 * (AudienceRepository). Global so that the ports it provides to delivery (readers' links and bounces) reach
 * it without delivery importing this module.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Subscriber, Suppression]), DeliveryModule],
  controllers: [SubscriptionsController, EmbedController, SubscribersAdminController],
  providers: [
    SubscribersRepository,
    SubscriberLinks,
    AudienceRepository,
    NewsletterReaderCounts,
    NewslettersRepository,
    ReaderBounces,
    { provide: RECIPIENT_LINKS, useExisting: SubscriberLinks },
    { provide: MESSAGE_TEMPLATES, useExisting: ReaderEmails },
    { provide: RECIPIENT_EVENTS, useExisting: ReaderBounces },
    SubscriptionsService,
    SubscriberPrivacyService,
    Suppressions,
    ReaderEmails,
    ReaderPages,
    ReaderStats,
    ReaderEngagement,
    ReaderLifecycle,
    ReaderCountsReconciliation,
    SignupLimits,
    ReaderDirectory,
    ReaderImportRepository,
    ReaderImporter,
    ImportConfirmations,
    { provide: APP_FILTER, useClass: ReaderExceptionFilter },
  ],
  exports: [
    SubscriberLinks,
    NewsletterReaderCounts,
    Suppressions,
    AudienceRepository,
    NewslettersRepository,
    SubscriptionsService,
    RECIPIENT_LINKS,
    MESSAGE_TEMPLATES,
    RECIPIENT_EVENTS,
    SubscriberPrivacyService,
    ReaderDirectory,
    ReaderImporter,
    ReaderImportRepository,
    ReaderStats,
    ReaderEngagement,
  ],
})
export class SubscribersModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SignupEdgeMiddleware).forRoutes({ path: 'subscriptions', method: RequestMethod.ALL });
  }
}
