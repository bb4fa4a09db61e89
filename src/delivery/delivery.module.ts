import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Delivery } from './delivery.entity';
import { DeliveryQueue } from './delivery-queue';
import { MailTransport } from './mail-transport';

/** Delivery: the ledger, workers, SMTP transport, retries, bounces. */
@Module({
  imports: [TypeOrmModule.forFeature([Delivery])],
  providers: [MailTransport, DeliveryQueue],
  exports: [MailTransport, DeliveryQueue],
})
export class DeliveryModule {}
