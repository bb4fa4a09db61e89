import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Locale } from '../common/locale';
import { personalise } from '../common/reader-placeholders';
import { TemplateRenderer } from '../common/template-renderer';
import { AppConfig } from '../config/app-config';
import { DigestPreviews } from './digest-previews';
import { EditionArchive } from './edition-archive';
import { EditionRenderer } from './edition-renderer';
import { publicEditionHtml } from './public-edition';
import { EditionsService } from './editions.service';
import { Public } from '../common/public-route';

const ARCHIVE_PAGE_SIZE = 20;
const FEED_SIZE = 20;

/**
 * The public side of editions: "view in browser" (`/digests/:id`, a subscribe box where a reader's email has
 * their own links), the archive of past editions (`/digests`, newest first, paged) and its RSS feed.
 */
@ApiExcludeController()
@Controller('digests')
@Public()
export class DigestsController {
  constructor(
    private readonly editions: EditionsService,
    private readonly previews: DigestPreviews,
    private readonly templates: TemplateRenderer,
    private readonly locale: Locale,
    private readonly archive: EditionArchive,
    private readonly renderer: EditionRenderer,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async list(@Query('before') before: string | undefined, @Res() res: Response): Promise<void> {
    const page = await this.archive.page(ARCHIVE_PAGE_SIZE, typeof before === 'string' ? before : undefined);
    const title = this.locale.t('digest.public.archiveTitle');
    res
      .type('html')
      .setHeader('Cache-Control', 'public, max-age=300')
      .send(
        this.templates.renderPage('digest-archive', {
          title,
          canonicalUrl: this.config.url('/digests'),
          feedUrl: this.config.url('/digests/feed.xml'),
          olderUrl: page.nextBefore ? this.config.url(`/digests?before=${page.nextBefore}`) : null,
          editions: page.editions.map((e) => ({
            url: this.config.url(`/digests/${e.id}`),
            subject: e.subject,
            date: this.renderer.formatDate(e.windowTo),
          })),
        }),
      );
  }

  @Get('feed.xml')
  async feed(@Res() res: Response): Promise<void> {
    const { editions } = await this.archive.page(FEED_SIZE);
    const x = (s: string) =>
      s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const items = editions
      .map((e) => {
        const url = this.config.url(`/digests/${e.id}`);
        const date = (e.sentAt ?? e.sendingStartedAt ?? e.windowTo).toUTCString();
        return `<item><title>${x(e.subject)}</title><link>${x(url)}</link><guid>${x(url)}</guid><pubDate>${date}</pubDate></item>`;
      })
      .join('');
    res
      .type('application/rss+xml; charset=utf-8')
      .setHeader('Cache-Control', 'public, max-age=300')
      .send(
        `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>` +
          `<title>${x(this.locale.t('digest.public.archiveTitle'))}</title>` +
          `<link>${x(this.config.url('/digests'))}</link><language>ar</language>` +
          `<description>${x(this.locale.t('digest.public.archiveTitle'))}</description>${items}</channel></rss>`,
      );
  }

  @Get(':id')
  async view(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const edition = await this.editions.find(id);
    if (!edition || !edition.html || (edition.status !== 'sending' && edition.status !== 'sent')) {
      const message = this.locale.t('digest.notFound');
      res
        .status(404)
        .type('html')
        .send(this.templates.renderPage('digest-unavailable', { title: message, message }));
      return;
    }
    res
      .type('html')
      .setHeader('Cache-Control', 'public, max-age=300')
      .send(
        publicEditionHtml(personalise(edition.html, this.previews.exampleLinks), {
          title: edition.subject,
          canonicalUrl: this.config.url(`/digests/${edition.id}`),
          archiveUrl: this.config.url('/digests'),
          archiveLabel: this.locale.t('digest.public.archive'),
          reason: this.locale.t('digest.public.reason'),
          subscribeTitle: this.locale.t('digest.public.subscribeTitle'),
          subscribeLabel: this.locale.t('readers.form.submit'),
          subscribeAction: this.config.url('/subscriptions'),
          emailLabel: this.locale.t('readers.form.emailLabel'),
        }),
      );
  }
}
