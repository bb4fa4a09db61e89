import { Injectable } from '@nestjs/common';
import { SubscribersRepository } from './subscribers.repository';

/**
 * Moves a reader's `last_engaged_at` forward: the sunset email's keep link and (click tracking) a reader
 * following a digest link; confirmation sets it in its own UPDATE. The sunset rule (SUNSET_AFTER_DAYS) reads it.
 * Never moves it backwards, so late or repeated reports are harmless.
 */
@Injectable()
export class ReaderEngagement {
  constructor(private readonly readers: SubscribersRepository) {}

  engaged(subscriberIds: string[], at: Date): Promise<void> {
    return this.readers.markEngaged(subscriberIds, at);
  }
}
