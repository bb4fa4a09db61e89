import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { DeliveryStatus } from '../../delivery/delivery.entity';
import type { Frequency } from '../../common/frequency';
import type { EditionKind, EditionStatus } from '../edition.entity';
import { FREQUENCY_VALUES, KIND_VALUES, STATUS_VALUES } from './digest-requests.dto';

export class ArticleRefDto {
  @ApiProperty() id: string;
  @ApiProperty() title: string;
  @ApiProperty() url: string;
  @ApiProperty() publishedAt: Date;
  @ApiProperty({ type: [String] }) topics: string[];
}

export class EditionSummaryDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'daily:2026-11-24' }) key: string;
  @ApiProperty({ enum: KIND_VALUES }) kind: EditionKind;
  @ApiPropertyOptional({ enum: FREQUENCY_VALUES, nullable: true, description: 'null for a breaking alert' })
  frequency: Frequency | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'weekly', description: 'The newsletter (slug)' })
  newsletter: string | null;
  @ApiProperty({ enum: STATUS_VALUES }) status: EditionStatus;
  @ApiPropertyOptional({ type: String, nullable: true }) statusReason: string | null;
  @ApiProperty() subject: string;
  @ApiProperty() windowFrom: Date;
  @ApiProperty() windowTo: Date;
  @ApiProperty({ type: [String] }) articleIds: string[];
  @ApiProperty({ type: [String], description: 'Beyond DIGEST_MAX_ARTICLES: not sent' }) leftOutArticleIds: string[];
  @ApiProperty({ example: 'schedule' }) triggeredBy: string;
  @ApiProperty() createdAt: Date;
  @ApiPropertyOptional({ type: Date, nullable: true }) sendingStartedAt: Date | null;
  @ApiPropertyOptional({ type: Date, nullable: true }) sentAt: Date | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Public copy (sending or sent editions)' })
  viewUrl: string | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number' },
    nullable: true,
    description: 'Deliveries per status (queued, sending, sent, failed, bounced, skipped)',
  })
  deliveries: Record<DeliveryStatus, number> | null;
}

export class TransportStateDto {
  @ApiProperty({ description: 'false while the SMTP server cannot be reached (sending paused, no attempt used)' })
  reachable: boolean;
  @ApiPropertyOptional({ type: Date, nullable: true, description: 'SMTP unreachable since' }) since: Date | null;
  @ApiPropertyOptional({ type: Date, nullable: true, description: 'Next try of the server' }) nextTryAt: Date | null;
  @ApiPropertyOptional({ type: String, nullable: true }) lastError: string | null;
}

export class SendingProgressDto {
  @ApiProperty({ description: 'Every delivery of the edition' }) total: number;
  @ApiProperty({ description: 'Still to send (queued + sending)' }) remaining: number;
  @ApiProperty({ description: 'Messages accepted per second over the last minute' }) ratePerSecond: number;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Seconds left at the current rate' })
  etaSeconds: number | null;
  @ApiPropertyOptional({ type: Date, nullable: true }) lastSentAt: Date | null;
  @ApiProperty({ type: TransportStateDto }) transport: TransportStateDto;
}

export class EditionDetailDto extends EditionSummaryDto {
  @ApiProperty() preheader: string;
  @ApiProperty({ type: [ArticleRefDto] }) articles: ArticleRefDto[];
  @ApiPropertyOptional({ type: SendingProgressDto, nullable: true }) progress: SendingProgressDto | null;
}

export class EditionPageDto {
  @ApiProperty({ type: [EditionSummaryDto] }) items: EditionSummaryDto[];
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Pass as ?before= for the next page' })
  nextBefore: string | null;
}

export class PreviewDto {
  @ApiProperty({ enum: FREQUENCY_VALUES }) frequency: Frequency;
  @ApiProperty() subject: string;
  @ApiProperty() preheader: string;
  @ApiProperty() windowFrom: Date;
  @ApiProperty() windowTo: Date;
  @ApiProperty({ type: [ArticleRefDto] }) articles: ArticleRefDto[];
  @ApiProperty({ type: [ArticleRefDto] }) leftOut: ArticleRefDto[];
}

export class TestSendResultDto {
  @ApiProperty({ description: 'Messages the mail server accepted before the answer' }) sent: number;
  @ApiProperty({ description: 'Messages still queued in the outbox (they are sent by the workers)' }) queued: number;
  @ApiProperty() subject: string;
}
