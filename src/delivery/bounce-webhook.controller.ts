import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  BadRequestException,
  Body,
  CanActivate,
  Controller,
  ExecutionContext,
  HttpCode,
  Injectable,
  Logger,
  NotFoundException,
  Post,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { LateReport, LateReportPayloadError, normaliseMessageId } from './late-reports/late-report';
import { LateReportOutcome, LateReports } from './late-reports/late-reports';
import { mailgunSignatureValid, parseMailgunWebhook } from './late-reports/mailgun-webhook';
import { parsePostmarkWebhook } from './late-reports/postmark-webhook';
import { parseSesNotification } from './late-reports/ses-notification';

/** The generic late-report shape: what a mail provider (or a relay script) posts after a send. */
export class BounceReportDto {
  @IsIn(['bounce', 'complaint']) type: 'bounce' | 'complaint';
  @IsString() @MaxLength(320) email: string;
  /** The Message-ID of the mail that bounced (with or without <>): names the delivery exactly. */
  @IsOptional() @IsString() @MaxLength(300) messageId?: string;
  /** false for a soft (temporary) bounce, which counts toward SOFT_BOUNCE_LIMIT; default true. */
  @IsOptional() @IsBoolean() permanent?: boolean;
}

/** HMAC-SHA256 of the raw body with BOUNCE_WEBHOOK_SECRET, hex, in X-Nashra-Signature (`sha256=` optional). */
export function bounceSignature(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

type WebhookRequest = { rawBody?: Buffer; headers: Record<string, unknown>; body?: unknown };

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The generic shape: an HMAC of the exact bytes, so a relay script cannot be replayed with another body. */
@Injectable()
class SignedBody implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const secret = this.config.env.BOUNCE_WEBHOOK_SECRET;
    if (!secret) {
      throw new NotFoundException();
    }
    const req = context.switchToHttp().getRequest<WebhookRequest>();
    const header = req.headers['x-nashra-signature'];
    const given = typeof header === 'string' ? header.trim().replace(/^sha256=/i, '') : '';
    if (!req.rawBody || !sameSecret(given, bounceSignature(secret, req.rawBody))) {
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
class BasicAuthSecret implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const secret = this.config.env.BOUNCE_WEBHOOK_SECRET;
    if (!secret) {
      throw new NotFoundException();
    }
    const header = context.switchToHttp().getRequest<WebhookRequest>().headers.authorization;
    const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const password = decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : '';
    if (!sameSecret(password, secret)) {
      context
        .switchToHttp()
        .getResponse<{ setHeader(n: string, v: string): void }>()
        .setHeader('WWW-Authenticate', 'Basic realm="nashra webhooks", charset="UTF-8"');
      throw new UnauthorizedException('basic auth with BOUNCE_WEBHOOK_SECRET as password required');
    }
    return true;
  }
}

/** Mailgun signs every webhook with the domain's HTTP webhook signing key (MAILGUN_WEBHOOK_SIGNING_KEY). */
@Injectable()
class MailgunSigned implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const key = this.config.env.MAILGUN_WEBHOOK_SIGNING_KEY;
    if (!key) {
      throw new NotFoundException();
    }
    const body = context.switchToHttp().getRequest<WebhookRequest>().body;
    if (!mailgunSignatureValid(body, key, this.clock.now())) {
      throw new UnauthorizedException('invalid, missing or stale Mailgun signature');
    }
    return true;
  }
}

/** Runs a provider parser; a payload it does not know answers 400, not 500. */
function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof LateReportPayloadError) {
      throw new BadRequestException(err.message);
    }
    throw err;
  }
}

/**
 * Late bounces and complaints: POST /webhooks/bounces (the generic shape, HMAC-signed) and one route per
 * provider (Amazon SES via SNS, Postmark, Mailgun) in the provider's own format and authentication. Each
 * report goes to LateReports, which marks deliveries (the ledger is delivery's) and tells the readers' owner.
 * An unknown address answers 200 all the same: the provider must not retry it forever.
 */
@ApiExcludeController()
@Controller('webhooks/bounces')
export class BounceWebhookController {
  private readonly logger = new Logger(BounceWebhookController.name);

  constructor(private readonly lateReports: LateReports) {}

  @Post()
  @HttpCode(200)
  @UseGuards(SignedBody)
  report(@Body() report: BounceReportDto): Promise<LateReportOutcome> {
    const late: LateReport = {
      kind: report.type === 'complaint' ? 'complaint' : report.permanent === false ? 'soft' : 'hard',
      email: report.email,
      messageId: normaliseMessageId(report.messageId),
    };
    return this.lateReports.apply(late, 'webhook');
  }

  /** Amazon SES feedback via an SNS HTTPS subscription (SNS posts JSON as text/plain). */
  @Post('ses')
  @HttpCode(200)
  @UseGuards(BasicAuthSecret)
  async ses(@Body() body: unknown): Promise<LateReportOutcome | { subscription: 'logged' }> {
    const payload = parsed(() => parseSesNotification(typeof body === 'string' ? jsonOf(body) : body));
    if (payload.type === 'subscription') {
      // No outbound network here by design: the operator confirms the subscription by opening this URL.
      this.logger.warn(
        payload.message === 'SubscriptionConfirmation'
          ? `SNS subscription confirmation for ${payload.topicArn}: open ${payload.subscribeUrl} once to confirm it`
          : `SNS unsubscribed this endpoint from ${payload.topicArn}; to subscribe again open ${payload.subscribeUrl}`,
      );
      return { subscription: 'logged' };
    }
    return this.lateReports.applyAll(payload.reports, payload.note);
  }

  @Post('postmark')
  @HttpCode(200)
  @UseGuards(BasicAuthSecret)
  postmark(@Body() body: unknown): Promise<LateReportOutcome> {
    const payload = parsed(() => parsePostmarkWebhook(body));
    return this.lateReports.applyAll(payload.reports, payload.note);
  }

  @Post('mailgun')
  @HttpCode(200)
  @UseGuards(MailgunSigned)
  mailgun(@Body() body: unknown): Promise<LateReportOutcome> {
    const payload = parsed(() => parseMailgunWebhook(body));
    return this.lateReports.applyAll(payload.reports, payload.note);
  }
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LateReportPayloadError('the body is not JSON');
  }
}
