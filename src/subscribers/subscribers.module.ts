import { forwardRef, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveryModule } from '../delivery/delivery.module';
import { ConfirmationMailer } from './confirmation-mailer';
import { EmbedController } from './embed.controller';
import { ReaderExceptionFilter } from './reader-exception.filter';
import { ReaderPages } from './reader-pages';
import { SignupEdgeMiddleware } from './signup-edge.middleware';
import { SignupLimits } from './signup-limits';
import { Subscriber } from './subscriber.entity';
import { SubscriberLinks } from './subscriber-links';
import { SubscriberPrivacyService } from './subscriber-privacy.service';
import { SubscribersAdminController } from './subscribers-admin.controller';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionsService } from './subscriptions.service';
import { Suppression } from './suppression.entity';
import { Suppressions } from './suppressions';

/** Readers: footer form, signup, double opt-in, unsubscribe, preferences, privacy. */
@Module({
  imports: [
    TypeOrmModule.forFeature([Subscriber, Suppression]),
    // forwardRef: delivery may in turn need SubscriberLinks from here.
    forwardRef(() => DeliveryModule),
  ],
  controllers: [SubscriptionsController, EmbedController, SubscribersAdminController],
  providers: [
    SubscriberLinks,
    SubscriptionsService,
    SubscriberPrivacyService,
    Suppressions,
    ConfirmationMailer,
    ReaderPages,
    SignupLimits,
    { provide: APP_FILTER, useClass: ReaderExceptionFilter },
  ],
  exports: [SubscriberLinks, Suppressions],
})
export class SubscribersModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SignupEdgeMiddleware).forRoutes({ path: 'subscriptions', method: RequestMethod.ALL });
  }
}
