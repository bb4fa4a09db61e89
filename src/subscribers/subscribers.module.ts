import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Subscriber } from './subscriber.entity';
import { SubscriberLinks } from './subscriber-links';

/** Readers: footer form, signup, double opt-in, unsubscribe, preferences, privacy. */
@Module({
  imports: [TypeOrmModule.forFeature([Subscriber])],
  providers: [SubscriberLinks],
  exports: [SubscriberLinks],
})
export class SubscribersModule {}
