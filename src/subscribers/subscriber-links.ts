import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { hmac, safeEqual } from '../common/secure-token';

/**
 * Each reader's personal links (unsubscribe, preferences). The token is `<id>.<hmac>`: unguessable without
 * SECRET_KEY, needs no storage, and can be computed by any worker for any reader. Tokens travel in the query
 * string (never the path) so request logs can redact them.
 */
@Injectable()
export class SubscriberLinks {
  constructor(private readonly config: AppConfig) {}

  token(subscriberId: string): string {
    return `${subscriberId}.${this.signature(subscriberId)}`;
  }

  /** The subscriber id a token belongs to, or null when it is forged or malformed. */
  verify(token: string | undefined | null): string | null {
    const match = /^(\d{1,19})\.([A-Za-z0-9_-]{22})$/.exec(token ?? '');
    if (!match) {
      return null;
    }
    return safeEqual(match[2], this.signature(match[1])) ? match[1] : null;
  }

  /**
   * With a newsletter (slug: `[a-z0-9-]`, nothing to escape), the page and the one-click POST end only that
   * subscription. The slug needs no signature of its own: the token already lets its reader change every
   * subscription on the preferences page.
   */
  unsubscribeUrl(subscriberId: string, newsletter?: string): string {
    const only = newsletter ? `&newsletter=${newsletter}` : '';
    return this.config.url(`/subscriptions/unsubscribe?token=${this.token(subscriberId)}${only}`);
  }

  preferencesUrl(subscriberId: string): string {
    return this.config.url(`/subscriptions/preferences?token=${this.token(subscriberId)}`);
  }

  private signature(subscriberId: string): string {
    return hmac(this.config.secretKey, `subscriber:${subscriberId}`).subarray(0, 16).toString('base64url');
  }
}
