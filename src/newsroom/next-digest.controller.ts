import { editorMessage } from './editor-message';
import { Body, Controller, UseFilters, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import Handlebars from 'handlebars';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, type SignedInEditor } from '../auth/current-editor';
import { NewsroomPage } from '../auth/newsroom-page';
import { DigestPreviews } from '../digests/digest-previews';
import { NextEditionPlanService } from '../digests/next-edition-plan.service';
import {
  ArticleActionParamsDto,
  FrequencyFormDto,
  NextDigestQueryDto,
  PlanTextsFormDto,
} from './dto/next-digest-forms.dto';
import { NewsroomFormErrors } from './form-errors.filter';
import { ActionOutcome, NewsroomAction } from './newsroom-action';
import { NewsroomView } from './newsroom-view';
import { NextDigestViewModel } from './next-digest.view';
import { RequirePermission } from '../auth/require-permission';

export const nextDigestUrl = (frequency: string) => `/admin/next?frequency=${frequency}`;

/**
 * Newsroom → Next digest: the next edition as readers would get it, the articles it carries (drop, move,
 * pin as lead), its subject, preheader and editor's note. Sending lives in NextDigestSendController.
 */
@ApiExcludeController()
@NewsroomPage()
@UseFilters(NewsroomFormErrors)
@Controller('admin/next')
@RequirePermission('edition.prepare')
export class NextDigestController {
  constructor(
    private readonly views: NextDigestViewModel,
    private readonly plans: NextEditionPlanService,
    private readonly previews: DigestPreviews,
    private readonly view: NewsroomView,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  async page(@Query() query: NextDigestQueryDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const context = await this.views.page(query.frequency);
    await this.view.page(req, res, 'next-digest', context, {
      nav: 'next',
      title: this.view.t('newsroom.nextDigest.title'),
    });
  }

  /** The edition exactly as readers would get it, with harmless links in place of personal ones. */
  @Get('preview.html')
  async preview(@Query() query: NextDigestQueryDto, @Res() res: Response): Promise<void> {
    res.type('html').setHeader('Cache-Control', 'no-store');
    try {
      const preview = await this.previews.preview(query.frequency);
      // The preview's links stay out of the editor's Tab order: they are the email's, not the screen's controls.
      res.send(preview.email.html.replace(/<a\b/g, '<a tabindex="-1"'));
    } catch (err) {
      const message = editorMessage(err);
      if (message === null) {
        throw err;
      }
      res.send(
        '<!doctype html><html lang="ar" dir="rtl"><meta charset="utf-8"><title>-</title>' +
          '<body style="font-family:Tahoma,sans-serif;padding:2rem;color:#57606a">' +
          Handlebars.Utils.escapeExpression(this.view.t('newsroom.nextDigest.previewEmpty')) +
          '</body></html>',
      );
    }
  }

  @Post('articles/:articleId/:action')
  async act(
    @Param() params: ArticleActionParamsDto,
    @Body() body: FrequencyFormDto,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    try {
      await this.plans.act(body.frequency, params.articleId, params.action, editor.email);
      await this.audit.record(editor, `next-digest.${params.action}`, `article:${params.articleId}`, {
        frequency: body.frequency,
      });
    } catch (err) {
      const message = editorMessage(err);
      if (message === null) {
        throw err;
      }
      this.view.flash(req, message, 'error');
    }
    if (req.headers['hx-request']) {
      this.view.fragment(res, 'next-digest-editor', await this.views.editor(body.frequency));
      return;
    }
    res.redirect(303, nextDigestUrl(body.frequency));
  }

  @Post('texts')
  @NewsroomAction('next-digest.texts', { redirect: '/admin/next' })
  async texts(@Body() body: PlanTextsFormDto, @CurrentEditor() editor: SignedInEditor): Promise<ActionOutcome> {
    await this.plans.setTexts(body.frequency, body, editor.email);
    return {
      subject: `plan:${body.frequency}`,
      detail: { subject: body.subject ?? '', preheader: body.preheader ?? '', editorNote: body.editorNote ?? '' },
      flash: this.view.t('newsroom.nextDigest.textsSaved'),
      redirect: nextDigestUrl(body.frequency),
    };
  }

  @Post('reset')
  @NewsroomAction('next-digest.reset', { redirect: '/admin/next' })
  async reset(@Body() body: FrequencyFormDto): Promise<ActionOutcome> {
    await this.plans.reset(body.frequency);
    return {
      subject: `plan:${body.frequency}`,
      flash: this.view.t('newsroom.nextDigest.reset'),
      redirect: nextDigestUrl(body.frequency),
    };
  }
}
