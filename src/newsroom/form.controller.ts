import { RequirePermission } from '../auth/require-permission';
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { NewsroomPage } from '../auth/newsroom-page';
import { AppConfig } from '../config/app-config';
import { NewsroomView } from './newsroom-view';

/**
 * Newsroom → Form: what to paste into the site to collect readers. The iframe snippet (with nashra.js, which sizes
 * the frame to its content), a live preview of the same form, and the sites allowed to frame it.
 */
@ApiExcludeController()
@NewsroomPage()
@RequirePermission('settings.manage')
@Controller('admin/form')
export class FormController {
  constructor(
    private readonly view: NewsroomView,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async page(@Req() req: Request, @Res() res: Response): Promise<void> {
    const formUrl = this.config.url('/embed/form');
    const scriptUrl = this.config.url('/embed/nashra.js');
    const title = this.view.t('newsroom.form.frameTitle');
    await this.view.page(
      req,
      res,
      'form',
      {
        formUrl,
        iframeSnippet:
          `<iframe src="${formUrl}" title="${title}" style="width:100%;height:480px;border:0" loading="lazy"></iframe>\n` +
          `<script src="${scriptUrl}" defer></script>`,
        scriptSnippet: `<script src="${scriptUrl}" defer></script>`,
        origins: this.config.siteOrigins,
      },
      { nav: 'form', title: this.view.t('newsroom.form.title') },
    );
  }
}
