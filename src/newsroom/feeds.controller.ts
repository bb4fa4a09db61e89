import { Body, Controller, Get, HttpException, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FeedPoller } from '../articles/feed-poller';
import { FeedRegistry } from '../articles/feed-registry';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { NewsroomPage } from '../auth/newsroom-page';
import { FeedPollForm, FeedUrlForm } from './dto/feeds.dto';
import { FeedsCard } from './feeds-card';
import { NewsroomView } from './newsroom-view';
import { RequirePermission } from '../auth/require-permission';

/** Settings → feeds: the list with each feed's health, add, remove and poll now. Each change is audited. */
@Controller('admin/settings/feeds')
@NewsroomPage()
@RequirePermission('settings.manage')
export class NewsroomFeedsController {
  constructor(
    private readonly view: NewsroomView,
    private readonly card: FeedsCard,
    private readonly registry: FeedRegistry,
    private readonly poller: FeedPoller,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  page(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.render(req, res, 200);
  }

  @Post()
  async add(
    @Body() form: FeedUrlForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.act(req, res, form.back, async () => {
      const url = await this.registry.add(form.url, editor.email);
      await this.audit.record(editor, 'feed.add', url);
      return this.view.t('newsroom.feeds.added');
    });
  }

  @Post('remove')
  async remove(
    @Body() form: FeedUrlForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.act(req, res, form.back, async () => {
      await this.registry.remove(form.url, editor.email);
      await this.audit.record(editor, 'feed.remove', form.url);
      return this.view.t('newsroom.feeds.removed');
    });
  }

  @Post('poll')
  async poll(
    @Body() form: FeedPollForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.act(req, res, form.back, async () => {
      const result = await this.poller.pollAll();
      const created = result.feeds.reduce((n, f) => n + f.created, 0);
      const failed = result.feeds.filter((f) => f.status === 'error').length;
      await this.audit.record(editor, 'feed.poll', undefined, { ran: result.ran, created, failed });
      if (!result.ran) {
        return this.view.t('newsroom.feeds.busy');
      }
      const fetched = this.view.t('newsroom.feeds.fetched', { feeds: result.feeds.length, created });
      return `${fetched}${failed ? this.view.t('newsroom.feeds.fetchedFailed', { failed }) : ''}.`;
    });
  }

  private async act(req: Request, res: Response, back: string | undefined, change: () => Promise<string>) {
    try {
      this.view.flash(req, await change(), 'success');
    } catch (err) {
      if (!(err instanceof HttpException) || err.getStatus() >= 500) {
        throw err;
      }
      this.view.flash(req, err.message, 'error');
      return this.render(req, res, err.getStatus());
    }
    res.redirect(303, back ?? '/admin/settings/feeds');
  }

  private async render(req: Request, res: Response, status: number): Promise<void> {
    await this.view.page(
      req,
      res,
      'feeds',
      { card: await this.card.html(req, res, '/admin/settings/feeds') },
      { nav: 'settings', title: this.view.t('newsroom.feeds.title'), status },
    );
  }
}
