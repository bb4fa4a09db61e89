import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ReaderActivity, ReaderClick, ReaderOpen } from '../subscribers/reader-activity';

/**
 * One reader's clicks (with the article URL followed) and opens, oldest first: engagement's part of the
 * privacy export (the READER_ACTIVITY port of subscribers/). Rare (an editor answering a request), so reading
 * clicks and opens by subscriber_id without an index of their own is fine.
 */
@Injectable()
export class ReaderActivityRepository implements ReaderActivity {
  constructor(private readonly dataSource: DataSource) {}

  async of(subscriberId: string): Promise<{ clicks: ReaderClick[]; opens: ReaderOpen[] }> {
    const clicks: ReaderClick[] = await this.dataSource.query(
      `SELECT c.edition_id::text AS "editionId", l.target_url AS url, c.clicked_at AS "clickedAt"
         FROM clicks c JOIN edition_links l ON l.edition_id = c.edition_id AND l.link_index = c.link_index
        WHERE c.subscriber_id = $1 ORDER BY c.clicked_at, c.delivery_id, c.link_index`,
      [subscriberId],
    );
    const opens: ReaderOpen[] = await this.dataSource.query(
      `SELECT edition_id::text AS "editionId", opened_at AS "openedAt", machine_opened_at AS "machineOpenedAt"
         FROM opens WHERE subscriber_id = $1 ORDER BY delivery_id`,
      [subscriberId],
    );
    return { clicks, opens };
  }
}
