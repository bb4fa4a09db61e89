import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Locale } from '../common/locale';
import { personalise } from '../common/reader-placeholders';
import { TemplateRenderer } from '../common/template-renderer';
import { DigestPreviews } from './digest-previews';
import { EditionsService } from './editions.service';

/** "View in browser": the public copy of an edition that is going or has gone out, with no reader's links. */
@ApiExcludeController()
@Controller('digests')
export class DigestsController {
  constructor(
    private readonly editions: EditionsService,
    private readonly previews: DigestPreviews,
    private readonly templates: TemplateRenderer,
    private readonly locale: Locale,
  ) {}

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
      .send(personalise(edition.html, this.previews.exampleLinks));
  }
}
