import { Injectable, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Port } from '../common/port';
import { DeliveryPorts } from '../delivery/delivery-ports';
import { DeliveryModule } from '../delivery/delivery.module';
import { AudienceRepository } from './audience.repository';
import { EDITION_LABELS, type EditionLabels } from './edition-labels';
import { EmbedController } from './embed.controller';
import { ImportConfirmations } from './import/import-confirmations';
import { ReaderImportRepository } from './import/reader-import.repository';
import { ReaderImporter } from './import/reader-importer';
import { NewsletterReaderCounts } from './newsletter-reader-counts';
import { NewslettersRepository } from './newsletters.repository';
import { ReaderDirectory } from './reader-directory';
import { ReaderBounces } from './reader-bounces';
import { ReaderEmails } from './reader-emails';
import { ReaderEngagement } from './reader-engagement';
import { ReaderLifecycle } from './reader-lifecycle';
import { ReaderCountsReconciliation } from './reader-counts-reconciliation';
import { ReaderPages } from './reader-pages';
import { READER_ACTIVITY, type ReaderActivity, type ReaderClick, type ReaderOpen } from './reader-activity';
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
 * What readers need from the modules above them, supplied when Nest builds those modules: digests supplies the
 * editions' labels, engagement a reader's clicks and opens (both for the privacy export). Those modules import
 * this one, never the reverse.
 */
@Injectable()
export class ReaderPorts {
  readonly editionLabels = new Port<EditionLabels>('EditionLabels', 'DigestsModule');
  readonly readerActivity = new Port<ReaderActivity>('ReaderActivity', 'EngagementModule');
}

/** EDITION_LABELS as readers' services inject it: the labels digests supplied to ReaderPorts. */
@Injectable()
export class SuppliedEditionLabels implements EditionLabels {
  constructor(private readonly ports: ReaderPorts) {}

  labels(editionIds: string[]): Promise<Map<string, { key: string; subject: string }>> {
    return this.ports.editionLabels.get().labels(editionIds);
  }
}

/** READER_ACTIVITY as readers' services inject it: the activity engagement supplied to ReaderPorts. */
@Injectable()
export class SuppliedReaderActivity implements ReaderActivity {
  constructor(private readonly ports: ReaderPorts) {}

  of(subscriberId: string): Promise<{ clicks: ReaderClick[]; opens: ReaderOpen[] }> {
    return this.ports.readerActivity.get().of(subscriberId);
  }
}

/**
 * Readers: footer form, signup, double opt-in, unsubscribe, preferences, privacy, and who gets each edition
 * (AudienceRepository). Above delivery: it imports DeliveryModule and supplies delivery's ports for readers'
 * links, their transactional templates and their bounces.
 */
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
    ReaderPorts,
    { provide: EDITION_LABELS, useClass: SuppliedEditionLabels },
    { provide: READER_ACTIVITY, useClass: SuppliedReaderActivity },
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
  ],
  exports: [
    SubscriberLinks,
    NewsletterReaderCounts,
    Suppressions,
    AudienceRepository,
    NewslettersRepository,
    SubscriptionsService,
    ReaderPorts,
    ReaderPages,
    SubscriberPrivacyService,
    ReaderDirectory,
    ReaderImporter,
    ReaderImportRepository,
    ReaderStats,
    ReaderEngagement,
  ],
})
export class SubscribersModule implements NestModule {
  constructor(ports: DeliveryPorts, links: SubscriberLinks, emails: ReaderEmails, bounces: ReaderBounces) {
    ports.recipientLinks.supply(links);
    ports.messageTemplates.supply(emails);
    ports.recipientEvents.supply(bounces);
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SignupEdgeMiddleware).forRoutes({ path: 'subscriptions', method: RequestMethod.ALL });
  }
}
