import { localeText } from '../common/locale';
import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { NewsroomPage } from '../auth/newsroom-page';
import { AppConfig } from '../config/app-config';
import { Outbox } from '../delivery/outbox';
import { dateStyleOf, formatMoment } from '../common/formatter';
import { NewsroomView } from './newsroom-view';
import { RequirePermission } from '../auth/require-permission';

/**
 * The outbox (SMTP_URL unset: every email is written as an .eml file): newest first, each opened as the reader
 * would see it. The HTML part is shown in a sandboxed iframe served with a CSP that runs nothing.
 */
@Controller('admin/mail')
@NewsroomPage()
@RequirePermission('readers.view')
export class MailController {
  constructor(
    private readonly view: NewsroomView,
    private readonly outbox: Outbox,
    private readonly config: AppConfig,
  ) {}

  private when(value: Date | null): string | null {
    return formatMoment(value, dateStyleOf(this.config.publication));
  }

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    const messages = this.outbox.inUse ? await this.outbox.list(100) : [];
    await this.view.page(req, res, 'mail', {
      inUse: this.outbox.inUse,
      messages: messages.map((m) => ({
        ...m,
        saved: this.when(m.savedAt),
        kilobytes: Math.max(1, Math.round(m.size / 1024)),
        href: `/admin/mail/${encodeURIComponent(m.name)}`,
      })),
    });
  }

  @Get(':name')
  async show(@Param('name') name: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const message = await this.outbox.read(name);
    await this.view.page(
      req,
      res,
      'mail-message',
      {
        name,
        subject: message.subject,
        from: message.from,
        to: message.to,
        date: this.when(message.date),
        hasHtml: Boolean(message.html),
        text: message.text,
        htmlHref: `/admin/mail/${encodeURIComponent(name)}/html`,
      },
      { nav: 'mail', title: message.subject ?? name },
    );
  }

  /** The message's own HTML for the iframe: no script, no form, no plugin; images and inline styles only. */
  @Get(':name/html')
  async html(@Param('name') name: string, @Res() res: Response): Promise<void> {
    const message = await this.outbox.read(name);
    res
      .set({
        'Content-Security-Policy':
          "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox",
        'Cache-Control': 'no-store',
        'X-Frame-Options': 'SAMEORIGIN',
      })
      .type('text/html; charset=utf-8')
      .send(message.html ?? `<p>${localeText('newsroom.mail.noHtml')}</p>`);
  }
}
