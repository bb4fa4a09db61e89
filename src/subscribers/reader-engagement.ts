import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * Moves a reader's `last_engaged_at` forward: the sunset email's keep link and (click tracking) a reader
 * following a digest link; confirmation sets it in its own UPDATE. The sunset rule (SUNSET_AFTER_DAYS) reads it. Never moves
 * it backwards, so late or repeated reports are harmless.
 */
@Injectable()
export class ReaderEngagement {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async engaged(subscriberIds: string[], at: Date): Promise<void> {
    if (subscriberIds.length === 0) {
      return;
    }
    await this.dataSource.query(
      `UPDATE subscribers SET last_engaged_at = $2, updated_at = now()
       WHERE id = ANY($1::bigint[]) AND (last_engaged_at IS NULL OR last_engaged_at < $2)`,
      [subscriberIds, at],
    );
  }
}
