import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import Handlebars from 'handlebars';
import { feedFailureCategory } from '../articles/feed-fetcher';
import { FeedRegistry } from '../articles/feed-registry';
import { EditorSessions } from '../auth/editor-sessions';
import { Locale } from '../common/locale';
import { TemplateRenderer } from '../common/template-renderer';
import { AppConfig } from '../config/app-config';
import { dateStyleOf, formatMoment } from '../common/formatter';

/**
 * The feeds card (templates/newsroom/settings-feeds.hbs): every feed with its health, add, remove, poll now.
 * The settings page can either spread `await feedsCard.context('/admin/settings')` into its page context and
 * include the template as a partial (`{{> settings-feeds}}`; it reads `csrfToken` and `back` from the page's
 * root), or drop `{{feedsCard}}` = `await feedsCard.html(req, res, '/admin/settings')` in. The feeds page
 * (`/admin/settings/feeds`) shows it alone.
 */
@Injectable()
export class FeedsCard {
  constructor(
    private readonly registry: FeedRegistry,
    private readonly renderer: TemplateRenderer,
    private readonly config: AppConfig,
    private readonly sessions: EditorSessions,
    private readonly locale: Locale,
  ) {}

  async context(back: string): Promise<Record<string, unknown>> {
    const feeds = await this.registry.list();
    return {
      back,
      pollIntervalMinutes: Math.round(this.config.feeds.pollIntervalSeconds / 60),
      feeds: feeds.map((f) => ({
        ...f,
        healthy: f.lastStatus === 'ok' || f.lastStatus === 'not_modified',
        never: f.lastStatus === null,
        lastPolled: formatMoment(f.lastPolledAt, dateStyleOf(this.config.publication)),
        lastSuccess: formatMoment(f.lastSuccessAt, dateStyleOf(this.config.publication)),
        failureLabel: this.failureLabel(f.lastError),
      })),
    };
  }

  private failureLabel(lastError: string | null): string | null {
    const category = feedFailureCategory(lastError);
    return category ? this.locale.t(`hardening.feedFailure.${category}`) : null;
  }

  async html(req: Request, res: Response, back: string): Promise<Handlebars.SafeString> {
    return new Handlebars.SafeString(
      this.renderer.renderFragment('newsroom/settings-feeds.hbs', {
        csrfToken: this.sessions.csrfToken(req, res),
        ...(await this.context(back)),
      }),
    );
  }
}
