import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ReaderEngagement } from '../subscribers/reader-engagement';
import { TrackingTokens } from './tracking-tokens';
import { TrackingRepository } from './tracking.repository';

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
    private readonly tracking: TrackingRepository,
    private readonly tokens: TrackingTokens,
    private readonly clock: Clock,
    private readonly readers: ReaderEngagement,
  ) {}

  /** The stored article URL of a valid click token (recording the click once), or null: answer 404. */
  async click(token: string): Promise<string | null> {
    const named = this.tokens.verify(token);
    if (!named || named.link.kind !== 'click') {
      return null;
    }
    const at = this.clock.now();
    const click = await this.tracking.recordClick(named.deliveryId, named.link.index, at);
    if (!click) {
      return null;
    }
    if (click.first) {
      await this.engaged(click.subscriberId, at);
    }
    return click.targetUrl;
  }

  /** Records a pixel fetch; false when the token is not a valid open token. */
  async open(token: string, userAgent: string | undefined): Promise<boolean> {
    const named = this.tokens.verify(token);
    if (!named || named.link.kind !== 'open') {
      return false;
    }
    const at = this.clock.now();
    const open = await this.tracking.recordOpen(named.deliveryId, at, isMachineAgent(userAgent), MACHINE_OPEN_SECONDS);
    if (!open) {
      return false;
    }
    if (!open.machine) {
      await this.engaged(open.subscriberId, at);
    }
    return true;
  }

  /** A reader clicked, or really opened (never a machine's fetch): the sunset rule reads this. */
  private async engaged(subscriberId: string, at: Date): Promise<void> {
    // The click is recorded either way; telling readers' owner must not turn the redirect into an error.
    await this.readers
      .engaged([subscriberId], at)
      .catch((err: Error) => this.logger.warn(`Could not record reader engagement: ${err.message}`));
  }
}
