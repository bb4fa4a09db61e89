import { Body, Controller, UseFilters, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, type SignedInEditor } from '../auth/current-editor';
import { NewsroomPage } from '../auth/newsroom-page';
import { StepUp } from '../auth/step-up';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { DigestPreviews } from '../digests/digest-previews';
import { EditionsService } from '../digests/editions.service';
import { instantOfLocal } from '../digests/local-time';
import { EditionIdParamDto, FrequencyFormDto, NextDigestQueryDto, ScheduleFormDto } from './dto/next-digest-forms.dto';
import { editorMessage } from './editor-message';
import { nextDigestUrl } from './next-digest.controller';
import { NewsroomFormErrors } from './form-errors.filter';
import { NewsroomView } from './newsroom-view';
import { NextDigestViewModel } from './next-digest.view';
import { RequirePermission } from '../auth/require-permission';

/** Newsroom → Next digest: send a test to myself, send now (after a confirmation), schedule, cancel. */
@ApiExcludeController()
@NewsroomPage()
@UseFilters(NewsroomFormErrors)
@Controller('admin/next')
@RequirePermission('edition.send')
export class NextDigestSendController {
  constructor(
    private readonly views: NextDigestViewModel,
    private readonly previews: DigestPreviews,
    private readonly editions: EditionsService,
    private readonly view: NewsroomView,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly stepUp: StepUp,
  ) {}

  /** Same path as POST /admin/digests/test, to the signed-in editor's own address only. */
  @RequirePermission('edition.prepare')
  @Post('test')
  async test(
    @Body() body: FrequencyFormDto,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.attempt(req, async () => {
      const sent = await this.previews.sendTest(body.frequency, [editor.email]);
      await this.audit.record(editor, 'next-digest.test', `plan:${body.frequency}`, { to: editor.email });
      this.view.flash(
        req,
        sent.sent > 0
          ? this.view.t('newsroom.nextDigest.testSent', { email: editor.email, subject: sent.subject })
          : this.view.t('newsroom.nextDigest.testQueued', { email: editor.email, subject: sent.subject }),
        'success',
      );
    });
    res.redirect(303, nextDigestUrl(body.frequency));
  }

  @Get('confirm')
  async confirm(@Query() query: NextDigestQueryDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const context = await this.views.confirmation(query.frequency);
    if (!context.hasArticles) {
      this.view.flash(req, this.view.t('newsroom.nextDigest.nothingNew'), 'error');
      res.redirect(303, nextDigestUrl(query.frequency));
      return;
    }
    // Asked here already, so the editor confirms who they are before the button rather than after it.
    this.stepUp.requireRecent(req.session, {
      audience: (context.audience as { receiving: number }).receiving,
      returnTo: req.originalUrl,
    });
    await this.view.page(req, res, 'next-digest-confirm', context, {
      nav: 'next',
      title: this.view.t('newsroom.nextDigest.confirmTitle'),
    });
  }

  @Post('send')
  async send(
    @Body() body: FrequencyFormDto,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // On success the editor lands on the edition's live sending screen; on failure back here with the reason.
    let target = nextDigestUrl(body.frequency);
    const { audience } = (await this.views.confirmation(body.frequency)) as { audience: { receiving: number } };
    const stepUp = this.stepUp.requireRecent(req.session, {
      audience: audience.receiving,
      returnTo: `/admin/next/confirm?frequency=${body.frequency}`,
    });
    await this.attempt(req, async () => {
      const edition = await this.editions.createNow(body.frequency, {}, `editor:${editor.email}`);
      await this.audit.record(editor, 'edition.send', `edition:${edition.id}`, {
        frequency: body.frequency,
        articles: edition.articleIds.length,
        audience: audience.receiving,
        ...stepUp,
      });
      this.view.flash(
        req,
        this.view.t('newsroom.nextDigest.sending', { subject: edition.subject, id: edition.id }),
        'success',
      );
      target = `/admin/editions/${edition.id}`;
    });
    res.redirect(303, target);
  }

  @Post('schedule')
  async schedule(
    @Body() body: ScheduleFormDto,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const at = instantOfLocal(body.at, this.config.publication.timeZone);
    if (!at || at.getTime() <= this.clock.now().getTime()) {
      this.view.flash(req, this.view.t('newsroom.nextDigest.pickFuture'), 'error');
      res.redirect(303, nextDigestUrl(body.frequency));
      return;
    }
    await this.attempt(req, async () => {
      const edition = await this.editions.scheduleFor(body.frequency, at, `editor:${editor.email}`);
      await this.audit.record(editor, 'edition.schedule', `edition:${edition.id}`, {
        frequency: body.frequency,
        scheduledFor: at.toISOString(),
      });
      this.view.flash(
        req,
        this.view.t('newsroom.nextDigest.scheduled', { subject: edition.subject, when: this.views.when(at) }),
        'success',
      );
    });
    res.redirect(303, nextDigestUrl(body.frequency));
  }

  @Post('scheduled/:id/cancel')
  async cancel(
    @Param() params: EditionIdParamDto,
    @Body() body: FrequencyFormDto,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.attempt(req, async () => {
      const edition = await this.editions.findOrFail(params.id);
      if (edition.status !== 'scheduled') {
        this.view.flash(req, this.view.t('newsroom.nextDigest.notScheduled'), 'error');
        return;
      }
      await this.editions.act(params.id, 'cancel');
      await this.audit.record(editor, 'edition.cancel', `edition:${params.id}`, {
        wasScheduledFor: edition.scheduledFor,
      });
      this.view.flash(req, this.view.t('newsroom.nextDigest.unscheduled', { subject: edition.subject }), 'success');
    });
    res.redirect(303, nextDigestUrl(body.frequency));
  }

  /** Runs an action; a 4xx (no articles, not found, already sent) becomes a message on the page. */
  private async attempt(req: Request, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (err) {
      const message = editorMessage(err);
      if (message === null) {
        throw err;
      }
      this.view.flash(req, message, 'error');
    }
  }
}
