import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  Body,
  CanActivate,
  Controller,
  ExecutionContext,
  HttpCode,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  Post,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { AppConfig } from '../config/app-config';
import { RECIPIENT_EVENTS, type RecipientEvents } from './delivery-ports';
import { DeliveryRepository } from './delivery.repository';

/** The generic late-report shape: what a mail provider (or a relay script) posts after a send. */
export class BounceReportDto {
  @IsIn(['bounce', 'complaint']) type: 'bounce' | 'complaint';
  @IsString() @MaxLength(320) email: string;
  /** The Message-ID of the mail that bounced (with or without <>): names the delivery exactly. */
  @IsOptional() @IsString() @MaxLength(300) messageId?: string;
  /** false for a soft (temporary) bounce, which changes nothing; default true. */
  @IsOptional() @IsBoolean() permanent?: boolean;
}

/** HMAC-SHA256 of the raw body with BOUNCE_WEBHOOK_SECRET, hex, in X-Nashra-Signature (`sha256=` optional). */
export function bounceSignature(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

@Injectable()
class SignedBody implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const secret = this.config.env.BOUNCE_WEBHOOK_SECRET;
    if (!secret) {
      throw new NotFoundException();
    }
    const req = context.switchToHttp().getRequest<{ rawBody?: Buffer; headers: Record<string, unknown> }>();
    const header = req.headers['x-nashra-signature'];
    const given = Buffer.from(typeof header === 'string' ? header.trim().replace(/^sha256=/i, '') : '', 'utf8');
    const expected = Buffer.from(bounceSignature(secret, req.rawBody ?? Buffer.alloc(0)), 'utf8');
    if (!req.rawBody || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedException('invalid or missing X-Nashra-Signature');
    }
    return true;
  }
}

/**
 * Late bounces and complaints: POST /webhooks/bounces. A hard bounce marks the delivery `bounced` (the ledger
 * is delivery's) and tells the readers' owner (RECIPIENT_EVENTS), which marks the reader `bounced`; a
 * complaint marks the reader `complained`. Both end all mail to the address. Soft bounces change nothing.
 */
@ApiExcludeController()
@Controller('webhooks')
export class BounceWebhookController {
  private readonly logger = new Logger(BounceWebhookController.name);

  constructor(
    private readonly ledger: DeliveryRepository,
    @Inject(RECIPIENT_EVENTS) private readonly recipients: RecipientEvents,
  ) {}

  @Post('bounces')
  @HttpCode(200)
  @UseGuards(SignedBody)
  async report(@Body() report: BounceReportDto): Promise<{ readers: number; deliveries: number }> {
    if (report.type === 'complaint') {
      const readers = await this.recipients.reported(report.email, 'complained');
      return { readers: readers.length, deliveries: 0 };
    }
    if (report.permanent === false) {
      this.logger.log('Soft bounce reported; nothing changed');
      return { readers: 0, deliveries: 0 };
    }
    const readers = await this.recipients.reported(report.email, 'bounced');
    const messageId = report.messageId ? `<${report.messageId.trim().replace(/^<|>$/g, '')}>` : null;
    const deliveries =
      readers.length > 0 ? await this.ledger.markLateBounce(readers, messageId, 'late bounce reported by webhook') : 0;
    this.logger.log(`Late bounce: ${readers.length} reader(s), ${deliveries} delivery(ies) marked bounced`);
    return { readers: readers.length, deliveries };
  }
}
