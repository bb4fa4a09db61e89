import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FeedPoller } from '../articles/feed-poller';
import { FeedRegistry } from '../articles/feed-registry';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { NewsroomPage } from '../auth/newsroom-page';
import { RequirePermission } from '../auth/require-permission';
import { FeedPollForm, FeedUrlForm } from './dto/feeds.dto';
import { FeedsCard } from './feeds-card';
import { ActionOutcome, NewsroomAction, NewsroomScreen } from './newsroom-action';
import { NewsroomView } from './newsroom-view';

const SCREEN = '/admin/settings/feeds';

/**
 * Settings → feeds: the list with each feed's health, add, remove and poll now. Each change is audited; a refused
 * address shows this screen again with the reason.
 */
@Controller('admin/settings/feeds')
@NewsroomPage()
@RequirePermission('settings.manage')
export class NewsroomFeedsController implements NewsroomScreen {
  constructor(
    private readonly view: NewsroomView,
    private readonly card: FeedsCard,
    private readonly registry: FeedRegistry,
    private readonly poller: FeedPoller,
  ) {}

  @Get()
  page(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.screen(req, res, 200);
  }

  @Post()
  @NewsroomAction('feed.add', { redirect: SCREEN, refused: { show: 'screen' } })
  async add(@Body() form: FeedUrlForm, @CurrentEditor() editor: SignedInEditor): Promise<ActionOutcome> {
    const url = await this.registry.add(form.url, editor.email);
    return { subject: url, flash: this.view.t('newsroom.feeds.added'), redirect: form.back };
  }

  @Post('remove')
  @NewsroomAction('feed.remove', { redirect: SCREEN, refused: { show: 'screen' } })
  async remove(@Body() form: FeedUrlForm, @CurrentEditor() editor: SignedInEditor): Promise<ActionOutcome> {
    await this.registry.remove(form.url, editor.email);
    return { subject: form.url, flash: this.view.t('newsroom.feeds.removed'), redirect: form.back };
  }

  @Post('poll')
  @NewsroomAction('feed.poll', { redirect: SCREEN, refused: { show: 'screen' } })
  async poll(@Body() form: FeedPollForm): Promise<ActionOutcome> {
    const result = await this.poller.pollAll();
    const created = result.feeds.reduce((n, f) => n + f.created, 0);
    const failed = result.feeds.filter((f) => f.status === 'error').length;
    const fetched = this.view.t('newsroom.feeds.fetched', { feeds: result.feeds.length, created });
    return {
      detail: { ran: result.ran, created, failed },
      flash: result.ran
        ? `${fetched}${failed ? this.view.t('newsroom.feeds.fetchedFailed', { failed }) : ''}.`
        : this.view.t('newsroom.feeds.busy'),
      redirect: form.back,
    };
  }

  async screen(req: Request, res: Response, status: number): Promise<void> {
    await this.view.page(
      req,
      res,
      'feeds',
      { card: await this.card.html(req, res, SCREEN) },
      { nav: 'settings', title: this.view.t('newsroom.feeds.title'), status },
    );
  }
}
