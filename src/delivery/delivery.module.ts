import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Delivery } from './delivery.entity';
import { DeliveryQueue } from './delivery-queue';
import { DeliveryWorker } from './delivery-worker';
import { MailTransport } from './mail-transport';
import { Outbox } from './outbox';
import { OutboxController } from './outbox.controller';
import { SendRateLimiter } from './send-rate-limiter';

/**
 * Delivery: the ledger, workers, SMTP transport (or the outbox editors browse), retries, bounces. The worker finds EditionRenderer and
 * SubscriberLinks through ModuleRef rather than importing their modules, because those modules import this
 * one (for DeliveryQueue and MailTransport) and a module cycle would need forwardRef on both sides.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Delivery])],
  controllers: [OutboxController],
  providers: [MailTransport, DeliveryQueue, SendRateLimiter, DeliveryWorker, Outbox],
  exports: [MailTransport, DeliveryQueue, DeliveryWorker, Outbox],
})
export class DeliveryModule {}
