import { groupTopics } from './topic-groups';
import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Locale } from '../common/locale';
import { AppConfig } from '../config/app-config';
import { PreferencesDto } from './dto/preferences.dto';
import { SignupDto } from './dto/signup.dto';
import { NEWSLETTER_SLUG } from './dto/reader-validators';
import { normaliseEmail } from './email-address';
import { wantsJson } from './reader-exception.filter';
import { EMBEDDED_ANSWER, ReaderPages } from './reader-pages';
import { SubscriberLinks } from './subscriber-links';
import type { ConsentRecord } from './subscriber.entity';
import { SubscriptionsService } from './subscriptions.service';
import { Public } from '../common/public-route';

/**
 * The reader's side: signup, confirmation, unsubscribe and preferences. Links in emails carry their token
 * in the query string; opening a link (GET) never changes anything, only the page's button (POST) does.
 */
@ApiExcludeController()
@Controller('subscriptions')
@Public()
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly pages: ReaderPages,
    private readonly links: SubscriberLinks,
    private readonly locale: Locale,
    private readonly config: AppConfig,
  ) {}

  /** Form post (303 to the thank-you page or back to the article) or JSON (200 `{ message }`). */
  @Post()
  @HttpCode(200)
  async signup(@Body() dto: SignupDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const address = normaliseEmail(dto.email)!;
    const newsletters = await this.subscriptions.signupNewsletters(dto);
    // A bot (the honeypot filled) goes through the same work, storing and mailing nothing, so timing tells nothing.
    await this.subscriptions.signup(
      { address, newsletters, consent: this.consent(dto, req) },
      // The signup limits are counted in the same statement, bots' posts included (429 when one is passed).
      { bot: Boolean(dto.website), clientAddress: req.ip ?? 'unknown' },
    );
    // The same answer for a new, pending, active or suppressed address, and for bots.
    const message = this.locale.t('readers.signup.success');
    if (wantsJson(req)) {
      res.status(200).json({ message });
      return;
    }
    const back = this.siteUrl(dto.redirect);
    if (back) {
      back.searchParams.set('nashra', 'ok');
      res.redirect(303, back.toString());
      return;
    }
    res.redirect(
      303,
      this.config.url(embedded(req) ? `/subscriptions/thanks?${EMBEDDED_ANSWER}` : '/subscriptions/thanks'),
    );
  }

  @Get('thanks')
  thanks(@Res() res: Response): void {
    this.pages.message(res, 200, {
      title: this.locale.t('readers.signup.thanksTitle'),
      message: this.locale.t('readers.signup.success'),
    });
  }

  @Get('confirm')
  confirmPage(@Query('token') token: unknown, @Res() res: Response): void {
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
      return this.confirmRefused(res, 'invalid');
    }
    const html = this.pages.html('readers-confirm', {
      title: this.locale.t('readers.confirm.pageTitle'),
      action: `/subscriptions/confirm?token=${token}`,
    });
    this.pages.send(res, 200, html);
  }

  @Post('confirm')
  @HttpCode(200)
  async confirm(@Query('token') token: unknown, @Res() res: Response): Promise<void> {
    const outcome = typeof token === 'string' ? await this.subscriptions.confirm(token) : 'invalid';
    if (outcome !== 'confirmed') {
      return this.confirmRefused(res, outcome);
    }
    this.pages.message(res, 200, {
      title: this.locale.t('readers.confirm.doneTitle'),
      message: this.locale.t('readers.confirm.doneBody'),
    });
  }

  /** The sunset email's "keep me" link: the page's one button keeps the reader (a GET changes nothing). */
  @Get('keep')
  keepPage(@Query('token') token: unknown, @Res() res: Response): void {
    if (!this.links.verify(typeof token === 'string' ? token : null)) {
      return this.invalidLink(res);
    }
    const html = this.pages.html('readers-keep', {
      title: this.locale.t('readers.sunset.pageTitle'),
      action: `/subscriptions/keep?token=${token as string}`,
    });
    this.pages.send(res, 200, html);
  }

  @Post('keep')
  @HttpCode(200)
  async keep(@Query('token') token: unknown, @Res() res: Response): Promise<void> {
    const id = this.links.verify(typeof token === 'string' ? token : null);
    if (!id) {
      return this.invalidLink(res);
    }
    if (!(await this.subscriptions.keep(id))) {
      return this.pages.message(res, 409, {
        title: this.locale.t('readers.sunset.goneTitle'),
        message: this.locale.t('readers.sunset.goneBody'),
        tone: 'error',
        form: {},
      });
    }
    this.pages.message(res, 200, {
      title: this.locale.t('readers.sunset.doneTitle'),
      message: this.locale.t('readers.sunset.doneBody'),
    });
  }

  /** `&newsletter=<slug>` (every newsletter's emails carry it): the page offers to end only that one. */
  @Get('unsubscribe')
  async unsubscribePage(
    @Query('token') token: unknown,
    @Query('newsletter') newsletter: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const id = this.links.verify(typeof token === 'string' ? token : null);
    if (!id) {
      return this.invalidLink(res);
    }
    const reader = await this.subscriptions.settings(id);
    const slug = newsletterSlug(newsletter);
    const one = slug ? ((await this.subscriptions.newsletterNamed(slug)) ?? undefined) : undefined;
    const html = this.pages.html('readers-unsubscribe', {
      title: one
        ? this.locale.t('newsletters.unsubscribe.pageTitle', { name: one.name })
        : this.locale.t('readers.unsubscribe.title'),
      newsletter: one,
      unsubscribeOneAction: one ? `/subscriptions/unsubscribe?token=${token as string}&newsletter=${one.slug}` : null,
      unsubscribeAction: `/subscriptions/unsubscribe?token=${token as string}`,
      preferencesAction: `/subscriptions/preferences?token=${token as string}`,
      weekly: !reader || reader.frequency === 'weekly' || reader.status !== 'active',
    });
    this.pages.send(res, 200, html);
  }

  /**
   * RFC 8058 one-click (`List-Unsubscribe=One-Click`, sent by mail providers) and the page's button both
   * land here. 200 with a page, never a redirect; no cookie or login. The body is not validated: whatever a
   * mail provider adds, a valid token is enough to leave. With `&newsletter=<slug>` only that subscription ends
   * (the page says which, and offers leaving everything); without (older emails, "leave all") everything ends,
   * as does a slug that names no newsletter, so a one-click request never does nothing.
   */
  @Post('unsubscribe')
  @HttpCode(200)
  async unsubscribe(
    @Query('token') token: unknown,
    @Query('newsletter') newsletter: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const id = this.links.verify(typeof token === 'string' ? token : null);
    if (!id) {
      return this.invalidLink(res);
    }
    const slug = newsletterSlug(newsletter);
    const ended = slug ? await this.subscriptions.unsubscribeFrom(id, slug) : null;
    if (ended) {
      const remaining = (await this.subscriptions.newsletters(id)).filter((n) => n.subscription === 'active');
      const html = this.pages.html('readers-unsubscribed-one', {
        title: this.locale.t('newsletters.unsubscribe.oneTitle', { name: ended.name }),
        newsletter: ended,
        remaining,
        unsubscribeAction: `/subscriptions/unsubscribe?token=${token as string}`,
        preferencesAction: `/subscriptions/preferences?token=${token as string}`,
      });
      return this.pages.send(res, 200, html);
    }
    await this.subscriptions.unsubscribe(id);
    this.pages.message(res, 200, {
      title: this.locale.t('readers.unsubscribe.doneTitle'),
      message: this.locale.t('readers.unsubscribe.doneBody'),
      note: this.locale.t('readers.unsubscribe.resubscribe'),
    });
  }

  @Get('preferences')
  async preferencesPage(@Query('token') token: unknown, @Res() res: Response): Promise<void> {
    await this.renderPreferences(token, res, false);
  }

  @Post('preferences')
  @HttpCode(200)
  async savePreferences(@Query('token') token: unknown, @Body() dto: PreferencesDto, @Res() res: Response) {
    const id = this.links.verify(typeof token === 'string' ? token : null);
    if (!id) {
      return this.invalidLink(res);
    }
    const topics = dto.form === 'preferences' ? (dto.topics ?? []) : dto.topics;
    const trackClicks = dto.form === 'preferences' ? dto.noClickTracking !== 'on' : undefined;
    await this.subscriptions.updateSettings(id, { frequency: dto.frequency, topics, trackClicks });
    // The whole form was shown: its switches are the reader's newsletters (none switched on: none).
    if (dto.form === 'preferences' && dto.frequency === undefined) {
      await this.subscriptions.chooseNewsletters(id, dto.newsletters ?? []);
    }
    await this.renderPreferences(token, res, true);
  }

  private async renderPreferences(token: unknown, res: Response, saved: boolean): Promise<void> {
    const id = this.links.verify(typeof token === 'string' ? token : null);
    const reader = id ? await this.subscriptions.settings(id) : null;
    if (!reader) {
      return this.invalidLink(res);
    }
    const html = this.pages.html('readers-preferences', {
      title: this.locale.t('readers.preferences.title'),
      email: reader.email,
      frequency: reader.frequency,
      newsletters: await this.subscriptions.newsletters(id!),
      active: reader.status === 'active' || reader.status === 'pending',
      topicGroups: groupTopics(await this.subscriptions.topicChoices(reader.topics)),
      // The choice is offered only where clicks are tracked at all (CLICK_TRACKING).
      offerClickOptOut: this.config.engagement.clickTracking,
      noClickTracking: !reader.trackClicks,
      saved,
      preferencesAction: `/subscriptions/preferences?token=${token as string}`,
      unsubscribeAction: `/subscriptions/unsubscribe?token=${token as string}`,
    });
    this.pages.send(res, 200, html);
  }

  private confirmRefused(res: Response, outcome: 'expired' | 'invalid'): void {
    const key = outcome === 'expired' ? 'expired' : 'invalid';
    this.pages.message(res, outcome === 'expired' ? 410 : 400, {
      title: this.locale.t(`readers.confirm.${key}Title`),
      message: this.locale.t(`readers.confirm.${key}Body`),
      tone: 'error',
      form: {},
    });
  }

  private invalidLink(res: Response): void {
    this.pages.message(res, 400, {
      title: this.locale.t('readers.link.invalidTitle'),
      message: this.locale.t('readers.link.invalidBody'),
      tone: 'error',
    });
  }

  /** The consent evidence: when, where (the form's page field or the Referer), who, and the wording. */
  private consent(dto: SignupDto, req: Request): Omit<ConsentRecord, 'at'> {
    const referer = req.get('referer');
    return {
      page: dto.page ?? this.pageFromReferer(referer),
      ip: req.ip ?? null,
      userAgent: req.get('user-agent')?.slice(0, 512) ?? null,
      wording: this.pages.formText,
    };
  }

  private pageFromReferer(referer: string | undefined): string | null {
    if (!referer || referer.length > 2048 || /[<>\s\p{Cc}]/u.test(referer)) {
      return null;
    }
    try {
      const url = new URL(referer);
      // Our own pages can carry tokens in their query string; keep only the path.
      if (url.origin === new URL(this.config.publicBaseUrl).origin) {
        url.search = '';
      }
      url.hash = '';
      return ['http:', 'https:'].includes(url.protocol) ? url.toString() : null;
    } catch {
      return null;
    }
  }

  /** The return URL when it is on one of the configured site origins; anything else is ignored. */
  private siteUrl(redirect: string | undefined): URL | null {
    if (!redirect) {
      return null;
    }
    const url = new URL(redirect);
    return this.config.siteOrigins.includes(url.origin) ? url : null;
  }
}

/** A newsletter slug from a query string, or null. */
function newsletterSlug(value: unknown): string | null {
  return typeof value === 'string' && NEWSLETTER_SLUG.test(value) ? value : null;
}

/** Posted from the iframed form (`/subscriptions?embed=1`): the thank-you page is shown inside the site's frame. */
function embedded(req: Request): boolean {
  return req.query?.embed === '1';
}
