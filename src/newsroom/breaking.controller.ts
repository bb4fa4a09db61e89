import { dateStyleOf } from '../common/formatter';
import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { stripHashtagMarkers } from '../articles/topics';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, type SignedInEditor } from '../auth/current-editor';
import { NewsroomPage } from '../auth/newsroom-page';
import { StepUp } from '../auth/step-up';
import { NotFoundError } from '../common/domain-errors';
import { personalise } from '../common/reader-placeholders';
import { AppConfig } from '../config/app-config';
import { AlreadyAlertedError, BreakingNews } from '../digests/breaking-news';
import { BreakingAlertDto } from '../digests/dto/digest-requests.dto';
import { EditionRenderer } from '../digests/edition-renderer';
import { NewsroomView } from './newsroom-view';
import { whenText } from './sending-view';
import { RequirePermission } from '../auth/require-permission';

const text = (value: unknown, max = 200): string => (typeof value === 'string' ? value.trim().slice(0, max) : '');

/**
 * Breaking news for editors: pick one of the latest articles (or search them), see who it will reach and the
 * email itself, confirm, and watch it go out on the sending screen.
 */
@Controller('admin/breaking')
@NewsroomPage()
@RequirePermission('alert.send')
export class BreakingController {
  constructor(
    private readonly view: NewsroomView,
    private readonly audit: AuditLog,
    private readonly breaking: BreakingNews,
    private readonly renderer: EditionRenderer,
    private readonly config: AppConfig,
    private readonly stepUp: StepUp,
  ) {}

  @Get()
  async pick(@Query('q') rawQuery: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const q = text(rawQuery);
    const [candidates, audience] = await Promise.all([this.breaking.candidates(q, 50), this.breaking.audienceSize()]);
    const tz = dateStyleOf(this.config.publication);
    await this.view.page(req, res, 'breaking', {
      q,
      audience,
      candidates: candidates.map((c) => ({ ...c, publishedAt: whenText(c.publishedAt, tz) })),
    });
  }

  /** Changes nothing: shows the article, the subject, how many readers it will reach and the email. */
  @Get('confirm')
  async confirm(
    @Query('articleId') articleId: unknown,
    @Query('subject') subject: unknown,
    @Query('newsletter') newsletter: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const article = await this.article(articleId, req, res);
    if (!article) {
      return;
    }
    const chosen = text(subject) || this.renderer.breakingSubject(article);
    // Which alerts newsletter: `breaking` unless the editor picked another (the page offers every active one).
    const lists = await this.breaking.alertsNewsletters();
    const list = lists.find((n) => n.slug === text(newsletter, 40)) ?? lists.find((n) => n.slug === 'breaking');
    if (!list) {
      this.view.flash(req, this.view.t('newsroomActions.breaking.noAlertsNewsletter'), 'error');
      res.redirect(303, '/admin/breaking');
      return;
    }
    const audience = list.subscriberCount;
    this.stepUp.requireRecent(req.session, { audience, returnTo: req.originalUrl });
    const alertEditionId = await this.breaking.alertEditionId(article.id, list.slug);
    await this.view.page(
      req,
      res,
      'breaking-confirm',
      {
        article,
        summary: stripHashtagMarkers(article.summary ?? '').trim(),
        subject: chosen,
        subjectParam: encodeURIComponent(chosen),
        audience,
        newsletter: { slug: list.slug, name: list.name },
        otherLists: lists.length > 1 ? lists.map((n) => ({ ...n, current: n.slug === list.slug })) : [],
        alertEditionId,
      },
      { nav: 'breaking', title: this.view.t('newsroom.breaking.confirmTitle') },
    );
  }

  /** The alert's email as readers will get it, personal links inert (shown in the confirmation's iframe). */
  @Get('preview')
  async preview(@Query('articleId') articleId: unknown, @Query('subject') subject: unknown, @Res() res: Response) {
    const article = await this.breaking.article(text(articleId, 20));
    const chosen = text(subject) || this.renderer.breakingSubject(article);
    const email = await this.renderer.composeBreaking({
      subject: chosen,
      preheader: chosen,
      article,
      viewInBrowserUrl: null,
    });
    res
      .type('html')
      .set('Cache-Control', 'no-store')
      .set('X-Frame-Options', 'SAMEORIGIN')
      .set(
        'Content-Security-Policy',
        "sandbox; default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'",
      )
      .send(personalise(email.html, { unsubscribeUrl: '#', preferencesUrl: '#' }));
  }

  @Post()
  async send(
    @Body() body: BreakingAlertDto,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    try {
      // The chosen alerts newsletter's kept count: what the step-up weighs and the audit records.
      const audience = await this.breaking.audienceSize(body.newsletter);
      const stepUp = this.stepUp.requireRecent(req.session, {
        audience,
        returnTo:
          `/admin/breaking/confirm?articleId=${encodeURIComponent(body.articleId)}` +
          `&subject=${encodeURIComponent(body.subject ?? '')}&newsletter=${encodeURIComponent(body.newsletter ?? '')}`,
      });
      const edition = await this.breaking.send(
        body.articleId,
        { subject: body.subject, newsletter: body.newsletter },
        `editor:${editor.email}`,
      );
      await this.audit.record(editor, 'breaking.send', `edition #${edition.id}`, {
        articleId: body.articleId,
        newsletter: body.newsletter ?? 'breaking',
        subject: edition.subject,
        audience,
        ...stepUp,
      });
      this.view.flash(req, this.view.t('newsroom.breaking.started', { count: audience }), 'success');
      res.redirect(303, `/admin/editions/${edition.id}`);
    } catch (err) {
      if (err instanceof AlreadyAlertedError) {
        this.view.flash(req, this.view.t('newsroom.breaking.alreadySent'), 'error');
        res.redirect(303, `/admin/editions/${err.editionId}`);
        return;
      }
      if (err instanceof NotFoundError) {
        this.view.flash(req, this.view.t('newsroom.breaking.notFound'), 'error');
        res.redirect(303, '/admin/breaking');
        return;
      }
      throw err;
    }
  }

  private async article(articleId: unknown, req: Request, res: Response) {
    try {
      return await this.breaking.article(text(articleId, 20));
    } catch (err) {
      if (!(err instanceof NotFoundError)) {
        throw err;
      }
      this.view.flash(req, this.view.t('newsroom.breaking.pickFirst'), 'error');
      res.redirect(303, '/admin/breaking');
      return null;
    }
  }
}
