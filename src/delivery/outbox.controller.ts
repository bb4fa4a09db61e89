import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Response } from 'express';
import { EditorOnly } from '../auth/editor-only';
import { Outbox } from './outbox';
import { RequirePermission } from '../auth/require-permission';

class OutboxListQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(500)
  limit?: number;
}

class OutboxMessageQuery {
  @ApiPropertyOptional({ enum: ['html', 'text', 'eml'], default: 'html' })
  @IsOptional()
  @IsIn(['html', 'text', 'eml'], { message: 'format must be html, text or eml' })
  format?: 'html' | 'text' | 'eml';
}

class OutboxEntryDto {
  @ApiProperty({ example: '2026-11-24T07-00-01-123Z-1.7nashra.example.net.eml' }) name: string;
  @ApiProperty() size: number;
  @ApiProperty() savedAt: Date;
  @ApiPropertyOptional({ type: String, nullable: true }) subject: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) to: string | null;
}

class OutboxListDto {
  @ApiProperty({ description: 'True when SMTP_URL is unset and mail goes to the outbox' }) inUse: boolean;
  @ApiProperty({ type: [OutboxEntryDto] }) messages: OutboxEntryDto[];
}

/** Lets editors see what nashra would have sent when no SMTP server is configured. */
@ApiTags('outbox')
@EditorOnly()
@Controller('admin/outbox')
@RequirePermission('readers.view')
export class OutboxController {
  constructor(private readonly outbox: Outbox) {}

  @Get()
  @ApiOperation({ summary: 'Messages written to the outbox folder, newest first' })
  @ApiOkResponse({ type: OutboxListDto })
  async list(@Query() query: OutboxListQuery): Promise<OutboxListDto> {
    return { inUse: this.outbox.inUse, messages: await this.outbox.list(query.limit ?? 50) };
  }

  @Get(':name')
  @ApiOperation({ summary: 'One message: its HTML (default), text part, or the raw .eml' })
  @ApiQuery({ name: 'format', required: false, enum: ['html', 'text', 'eml'] })
  async show(@Param('name') name: string, @Query() query: OutboxMessageQuery, @Res() res: Response): Promise<void> {
    const message = await this.outbox.read(name);
    const format = query.format ?? (message.html ? 'html' : 'text');
    if (format === 'eml') {
      res.type('message/rfc822').attachment(name).send(message.raw);
    } else if (format === 'html' && message.html) {
      // The message's own HTML, shown as the reader would see it; scripts are not ours to run.
      res.setHeader('Content-Security-Policy', "default-src 'none'; img-src * data:; style-src 'unsafe-inline'");
      res.type('text/html; charset=utf-8').send(message.html);
    } else {
      res.type('text/plain; charset=utf-8').send(message.text ?? '');
    }
  }
}
