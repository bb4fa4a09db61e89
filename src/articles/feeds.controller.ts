import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppConfig } from '../config/app-config';
import { EditorOnly } from '../auth/editor-only';
import { FeedPoller } from './feed-poller';
import type { PollAllResult } from './feed-poller';
import { RequirePermission } from '../auth/require-permission';

/** What editors can see (and do) about feed polling. */
@ApiTags('feeds')
@EditorOnly()
@Controller('admin/feeds')
@RequirePermission('settings.manage')
export class FeedsController {
  constructor(
    private readonly poller: FeedPoller,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Every feed with its last poll: status, error, item counts, failures in a row, added/removed by editors',
  })
  @ApiOkResponse({ description: '{ pollIntervalSeconds, feeds: [...] }' })
  async list() {
    const polled = await this.poller.status();
    const known = new Set(polled.map((f) => f.url));
    const feeds = [
      ...polled.map((f) => ({
        url: f.url,
        configured: this.config.feedUrls.includes(f.url),
        lastStatus: f.lastStatus,
        lastError: f.lastError,
        lastPolledAt: f.lastPolledAt,
        lastSuccessAt: f.lastSuccessAt,
        itemsSeen: f.itemsSeen,
        itemsCreated: f.itemsCreated,
        itemsUpdated: f.itemsUpdated,
        itemsSkipped: f.itemsSkipped,
        consecutiveFailures: f.consecutiveFailures,
        // Added on the newsroom screen (by whom), or removed there (no longer polled).
        addedBy: f.addedBy,
        removedAt: f.removedAt,
      })),
      ...this.config.feedUrls
        .filter((url) => !known.has(url))
        .map((url) => ({ url, configured: true, lastStatus: null, lastPolledAt: null })),
    ];
    return { pollIntervalSeconds: this.config.feeds.pollIntervalSeconds, feeds };
  }

  @Post('poll')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Poll every feed now: FEED_URLS and those added by editors (skipped if a poll is already running)',
  })
  @ApiOkResponse({ description: '{ ran, feeds: [{ url, status, itemsSeen, created, updated, skipped, ms, error? }] }' })
  pollNow(): Promise<PollAllResult> {
    return this.poller.pollAll();
  }
}
