import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EditorOnly } from '../auth/editor-only';
import { ParseBigintIdPipe } from '../common/bigint-id';
import { EditionStatsDto, TopicStatsDto } from './dto/edition-stats.dto';
import { EditionStats } from './edition-stats';
import { RequirePermission } from '../auth/require-permission';

/** Engagement stats of editions (clicks; opens when OPEN_TRACKING=on), for editors and their tools. */
@ApiTags('digests')
@EditorOnly()
@Controller('admin')
@RequirePermission('stats.view')
export class EditionStatsController {
  constructor(private readonly stats: EditionStats) {}

  @Get('digests/:id/stats')
  @ApiOperation({
    summary:
      'Delivered, unique clickers, click rate, clicks per hour over the first 48 h, per-article clicks and rank (and opens when on)',
  })
  @ApiOkResponse({ type: EditionStatsDto })
  @ApiNotFoundResponse({ description: 'No such edition' })
  edition(@Param('id', ParseBigintIdPipe) id: string): Promise<EditionStatsDto> {
    return this.stats.forEdition(id);
  }

  @Get('engagement/topics')
  @ApiOperation({ summary: 'Clicks per topic over the last 30 days, the most clicked first' })
  @ApiOkResponse({ type: TopicStatsDto })
  topics(): Promise<TopicStatsDto> {
    return this.stats.byTopic();
  }
}
