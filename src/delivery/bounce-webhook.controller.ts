import { BadRequestException, Body, Controller, HttpCode, Logger, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { LateReport, LateReportPayloadError, normaliseMessageId, objectAt } from './late-reports/late-report';
import { LateReportOutcome, LateReports } from './late-reports/late-reports';
import { parseMailgunWebhook } from './late-reports/mailgun-webhook';
import { parsePostmarkWebhook } from './late-reports/postmark-webhook';
import { parseSesNotification } from './late-reports/ses-notification';
import { SnsSignatures } from './late-reports/sns-signature';
import { BasicAuthSecret, MailgunSigned, SignedBody } from './late-reports/webhook-guards';
import { NoControlChars } from '../common/no-control-chars';
import { Public } from '../common/public-route';

export { bounceSignature } from './late-reports/webhook-guards';

/** The generic late-report shape: what a mail provider (or a relay script) posts after a send. */
export class BounceReportDto {
  @IsIn(['bounce', 'complaint']) type: 'bounce' | 'complaint';
  @IsString() @MaxLength(320) @NoControlChars() email: string;
  /** The Message-ID of the mail that bounced (with or without <>): names the delivery exactly. */
  @IsOptional() @IsString() @MaxLength(300) @NoControlChars() messageId?: string;
  /** false for a soft (temporary) bounce, which counts toward SOFT_BOUNCE_LIMIT; default true. */
  @IsOptional() @IsBoolean() permanent?: boolean;
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
// Public to editors' permissions: each provider's route checks its own signature or secret (guards below).
@Public()
@ApiExcludeController()
@Controller('webhooks/bounces')
export class BounceWebhookController {
  private readonly logger = new Logger(BounceWebhookController.name);

  constructor(
    private readonly lateReports: LateReports,
    private readonly snsSignatures: SnsSignatures,
  ) {}

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

  /**
   * Amazon SES feedback via an SNS HTTPS subscription (SNS posts JSON as text/plain). Basic auth first (SNS
   * sends credentials only after the 401 challenge), then SNS's own signature: 403 unless Amazon signed it.
   */
  @Post('ses')
  @HttpCode(200)
  @UseGuards(BasicAuthSecret)
  async ses(@Body() body: unknown): Promise<LateReportOutcome | { subscription: 'logged' }> {
    const message = parsed(() => objectAt(typeof body === 'string' ? jsonOf(body) : body, 'the SNS message'));
    await this.snsSignatures.verify(message);
    const payload = parsed(() => parseSesNotification(message));
    if (payload.type === 'subscription') {
      // Confirming is left to the operator (opening this URL once): nashra's only request to AWS is the
      // signing certificate, and a subscription is something a person should agree to.
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
