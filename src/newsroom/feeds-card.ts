import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import Handlebars from 'handlebars';
import { FeedRegistry } from '../articles/feed-registry';
import { EditorSessions } from '../auth/editor-sessions';
import { TemplateRenderer } from '../common/template-renderer';
import { AppConfig } from '../config/app-config';
import { editorTime } from './editor-time';

/**
 * The feeds card (templates/newsroom/settings-feeds.hbs): every feed with its health, add, remove, poll now.
 * The settings page embeds it as `{{feedsCard}}` (`await feedsCard.html(req, res, '/admin/settings')`); the
 * feeds page shows it alone.
 */
@Injectable()
export class FeedsCard {
  constructor(
    private readonly registry: FeedRegistry,
    private readonly renderer: TemplateRenderer,
    private readonly config: AppConfig,
    private readonly sessions: EditorSessions,
  ) {}

  async html(req: Request, res: Response, back: string): Promise<Handlebars.SafeString> {
    const csrfToken = this.sessions.csrfToken(req, res);
    const feeds = await this.registry.list();
    return new Handlebars.SafeString(
      this.renderer.renderFragment('newsroom/settings-feeds.hbs', {
        csrfToken,
        back,
        pollIntervalMinutes: Math.round(this.config.env.FEED_POLL_INTERVAL_SECONDS / 60),
        feeds: feeds.map((f) => ({
          ...f,
          healthy: f.lastStatus === 'ok' || f.lastStatus === 'not_modified',
          never: f.lastStatus === null,
          lastPolled: editorTime(f.lastPolledAt, this.config.env.TIMEZONE),
          lastSuccess: editorTime(f.lastSuccessAt, this.config.env.TIMEZONE),
        })),
      }),
    );
  }
}
