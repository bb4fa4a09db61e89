import { createHmac } from 'node:crypto';
import { CanActivate, ExecutionContext, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { safeEqual } from '../../common/secure-token';
import { AppConfig } from '../../config/app-config';
import { mailgunSigned } from './mailgun-webhook';
import { WebhookTokens } from './webhook-tokens';

/** HMAC-SHA256 of the raw body with BOUNCE_WEBHOOK_SECRET, hex, in X-Nashra-Signature (`sha256=` optional). */
export function bounceSignature(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

type WebhookRequest = { rawBody?: Buffer; headers: Record<string, unknown>; body?: unknown };

/** The generic shape: an HMAC of the exact bytes, so a relay script cannot be replayed with another body. */
@Injectable()
export class SignedBody implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const secret = this.config.bounces.webhookSecret;
    if (!secret) {
      throw new NotFoundException();
    }
    const req = context.switchToHttp().getRequest<WebhookRequest>();
    const header = req.headers['x-nashra-signature'];
    const given = typeof header === 'string' ? header.trim().replace(/^sha256=/i, '') : '';
    if (!req.rawBody || !safeEqual(given, bounceSignature(secret, req.rawBody))) {
      throw new UnauthorizedException('invalid or missing X-Nashra-Signature');
    }
    return true;
  }
}

/**
 * SNS and Postmark cannot sign with our key; both can send HTTP basic auth written into the webhook URL
 * (`https://nashra:SECRET@host/…`), which stays out of access logs. Any user name, BOUNCE_WEBHOOK_SECRET as
 * the password. The 401 carries the challenge: SNS sends the credentials only after one.
 */
@Injectable()
export class BasicAuthSecret implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const secret = this.config.bounces.webhookSecret;
    if (!secret) {
      throw new NotFoundException();
    }
    const header = context.switchToHttp().getRequest<WebhookRequest>().headers.authorization;
    const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const password = decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : '';
    if (!safeEqual(password, secret)) {
      context
        .switchToHttp()
        .getResponse<{ setHeader(n: string, v: string): void }>()
        .setHeader('WWW-Authenticate', 'Basic realm="nashra webhooks", charset="UTF-8"');
      throw new UnauthorizedException('basic auth with BOUNCE_WEBHOOK_SECRET as password required');
    }
    return true;
  }
}

/**
 * Mailgun signs every webhook with the domain's HTTP webhook signing key (MAILGUN_WEBHOOK_SIGNING_KEY), and
 * each signature carries a one-time token: a request is taken once, a copy replayed while the signature is
 * still fresh (15 minutes) is refused. The token is taken before the report is applied: should applying it
 * fail on our side, Mailgun's retry is refused too (a retry within 15 minutes of the same signature).
 */
@Injectable()
export class MailgunSigned implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly tokens: WebhookTokens,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const key = this.config.bounces.mailgunSigningKey;
    if (!key) {
      throw new NotFoundException();
    }
    const now = this.clock.now();
    const signed = mailgunSigned(context.switchToHttp().getRequest<WebhookRequest>().body, key, now);
    if (!signed) {
      throw new UnauthorizedException('invalid, missing or stale Mailgun signature');
    }
    if (!(await this.tokens.firstUse('mailgun', signed.token, signed.expiresAt, now))) {
      throw new UnauthorizedException('this Mailgun signature was already used: a replayed request');
    }
    return true;
  }
}
