import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Locale } from '../common/locale';
import { TemplateRenderer } from '../common/template-renderer';
import { EngagementRecorder } from './engagement-recorder';
import { Public } from '../common/public-route';

// The smallest transparent GIF (43 bytes).
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const PIXEL_FILE = /^([A-Za-z0-9_-]{1,64})\.gif$/;

/**
 * Readers' side of engagement: `/r/<token>` records a click and redirects to the stored article URL (never a
 * URL taken from the request); `/o/<token>.gif` records an open. Public, so every answer is cheap and a bad
 * token is a plain 404 (an Arabic page for a link a reader followed), never a 500.
 */
@ApiExcludeController()
@Controller()
@Public()
export class EngagementController {
  constructor(
    private readonly recorder: EngagementRecorder,
    private readonly templates: TemplateRenderer,
    private readonly locale: Locale,
  ) {}

  @Get('r/:token')
  async click(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const target = await this.recorder.click(token);
    if (!target) {
      const message = this.locale.t('engagement.linkNotFound');
      res
        .status(404)
        .type('html')
        .set('Cache-Control', 'no-store')
        .send(this.templates.renderPage('digest-unavailable', { title: message, message }));
      return;
    }
    // Not cached: each reader's first click must reach us; the Referer to the site stays just our origin.
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'origin').redirect(302, target);
  }

  @Get('o/:file')
  async open(
    @Param('file') file: string,
    @Headers('user-agent') userAgent: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const token = PIXEL_FILE.exec(file)?.[1];
    const known = token ? await this.recorder.open(token, userAgent) : false;
    res
      .status(known ? 200 : 404)
      .type('image/gif')
      .set('Cache-Control', 'no-store, private')
      .send(PIXEL);
  }
}
