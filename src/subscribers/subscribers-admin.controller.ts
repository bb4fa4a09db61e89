import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Clock } from '../common/clock';
import { EditorOnly } from '../auth/editor-only';
import { ParseBigintIdPipe } from '../common/bigint-id';
import { FindSubscriberQuery } from './dto/find-subscriber.dto';
import { SubscriberPrivacyService } from './subscriber-privacy.service';
import type { SubscriberExport, SubscriberSummary } from './subscriber-privacy.service';
import { RequirePermission } from '../auth/require-permission';

/** Privacy requests (GDPR access and erasure) handled by an editor. */
@ApiTags('subscribers')
@EditorOnly()
@Controller('admin/subscribers')
export class SubscribersAdminController {
  constructor(
    private readonly privacy: SubscriberPrivacyService,
    private readonly clock: Clock,
  ) {}

  @RequirePermission('readers.view')
  @Get()
  @ApiOperation({ summary: 'Find a subscriber by address (any case); also says if the address is suppressed' })
  @ApiOkResponse({ description: '{ subscribers: [...], suppressed: boolean }' })
  find(@Query() query: FindSubscriberQuery): Promise<{ subscribers: SubscriberSummary[]; suppressed: boolean }> {
    return this.privacy.findByEmail(query.email);
  }

  @RequirePermission('readers.export')
  @Get(':id/export')
  @ApiOperation({ summary: 'Everything nashra holds about one subscriber, as JSON' })
  @ApiNotFoundResponse({ description: 'No such subscriber' })
  export(@Param('id', ParseBigintIdPipe) id: string): Promise<SubscriberExport> {
    return this.privacy.export(id, this.clock.now());
  }

  @RequirePermission('readers.erase')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Erase a subscriber; only a hash of the address stays, on the suppression list' })
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiNotFoundResponse({ description: 'No such subscriber' })
  async erase(@Param('id', ParseBigintIdPipe) id: string): Promise<void> {
    await this.privacy.erase(id);
  }
}
