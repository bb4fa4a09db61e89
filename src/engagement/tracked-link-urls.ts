import { Injectable } from '@nestjs/common';
import type { TrackedLink } from '../common/reader-placeholders';
import { AppConfig } from '../config/app-config';
import type { TrackedLinks } from '../delivery/delivery-ports';
import { TrackingTokens } from './tracking-tokens';

/**
 * The URL one delivery's reader follows for a tracked link (delivery's TrackedLinks port): a signed token under
 * /r/ for an article link, under /o/…gif for the open pixel. EngagementController answers both.
 */
@Injectable()
export class TrackedLinkUrls implements TrackedLinks {
  constructor(
    private readonly tokens: TrackingTokens,
    private readonly config: AppConfig,
  ) {}

  url(deliveryId: string, link: TrackedLink): string {
    const token = this.tokens.sign(deliveryId, link);
    return link.kind === 'open' ? this.config.url(`/o/${token}.gif`) : this.config.url(`/r/${token}`);
  }
}
