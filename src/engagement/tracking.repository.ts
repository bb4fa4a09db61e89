import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Clicks and opens, one statement each: cheap enough for public traffic, idempotent by their unique keys. */
@Injectable()
export class TrackingRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records link `linkIndex` of the delivery as clicked at `at`, once. The target stored for the delivery's
   * edition and link, the reader, and whether this was the first click; null when there is no such link.
   */
  async recordClick(
    deliveryId: string,
    linkIndex: number,
    at: Date,
  ): Promise<{ targetUrl: string; subscriberId: string; first: boolean } | null> {
    const [row]: Array<{ target_url: string; subscriber_id: string; inserted: boolean }> = await this.dataSource.query(
      `WITH target AS (
         SELECT d.edition_id, d.subscriber_id, l.target_url
           FROM deliveries d
           JOIN edition_links l ON l.edition_id = d.edition_id AND l.link_index = $2
          WHERE d.id = $1
       ), recorded AS (
         INSERT INTO clicks (delivery_id, link_index, edition_id, subscriber_id, clicked_at)
         SELECT $1, $2, edition_id, subscriber_id, $3 FROM target
         ON CONFLICT (delivery_id, link_index) DO NOTHING
         RETURNING 1
       )
       SELECT target_url, subscriber_id, EXISTS (SELECT 1 FROM recorded) AS inserted FROM target`,
      [deliveryId, linkIndex, at],
    );
    return row ? { targetUrl: row.target_url, subscriberId: row.subscriber_id, first: row.inserted } : null;
  }

  /**
   * Records a pixel fetch of the delivery at `at`: a machine's when `byMachine` or within `machineSeconds` of the
   * delivery's sending, else the reader's. Each kind keeps its first time. Null when there is no such delivery.
   */
  async recordOpen(
    deliveryId: string,
    at: Date,
    byMachine: boolean,
    machineSeconds: number,
  ): Promise<{ subscriberId: string; machine: boolean } | null> {
    const [row]: Array<{ subscriber_id: string; machine: boolean }> = await this.dataSource.query(
      `WITH target AS (
         SELECT d.edition_id, d.subscriber_id,
                ($3 OR (d.sent_at IS NOT NULL AND $2::timestamptz < d.sent_at + make_interval(secs => $4))) AS machine
           FROM deliveries d WHERE d.id = $1
       ), recorded AS (
         INSERT INTO opens (delivery_id, edition_id, subscriber_id, opened_at, machine_opened_at)
         SELECT $1, edition_id, subscriber_id,
                CASE WHEN machine THEN NULL ELSE $2::timestamptz END,
                CASE WHEN machine THEN $2::timestamptz END
           FROM target
         ON CONFLICT (delivery_id) DO UPDATE
           SET opened_at = COALESCE(opens.opened_at, EXCLUDED.opened_at),
               machine_opened_at = COALESCE(opens.machine_opened_at, EXCLUDED.machine_opened_at)
         RETURNING 1
       )
       SELECT subscriber_id, machine, (SELECT count(*) FROM recorded) AS recorded FROM target`,
      [deliveryId, at, byMachine, machineSeconds],
    );
    return row ? { subscriberId: row.subscriber_id, machine: row.machine } : null;
  }
}
