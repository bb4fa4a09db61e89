import { dateStyleOf } from '../common/formatter';
import { localeRecord } from '../common/locale';
import { Controller, Get, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, type SignedInEditor } from '../auth/current-editor';
import { NewsroomPage } from '../auth/newsroom-page';
import { ConflictError } from '../common/domain-errors';
import { personalise } from '../common/reader-placeholders';
import { AppConfig } from '../config/app-config';
import { EditionStats } from '../digests/edition-stats';
import { DIRECT_LINKS_SUFFIX } from '../digests/edition-segments';
import { clickedView, engagementCard } from './engagement-view';
import { DeliveryQueue } from '../delivery/delivery-queue';
import { ProviderRateReport } from '../deliverability/provider-rates';
import { HistoryQueryDto, STATUS_VALUES } from '../digests/dto/digest-requests.dto';
import { EditionHistory } from '../digests/edition-history';
import { EditionRenderer } from '../digests/edition-renderer';
import type { Edition } from '../digests/edition.entity';
import { EditionsService, type EditorAction } from '../digests/editions.service';
import { NewsroomView } from './newsroom-view';
import { NewslettersRepository } from '../subscribers/newsletters.repository';
import {
  editionType,
  type EditionType,
  sendingView,
  STATUS_LABELS,
  TYPE_LABELS,
  whenText,
  type SendingView,
} from './sending-view';
import { RequirePermission } from '../auth/require-permission';

type Notice = { text: string; tone: 'success' | 'error' | 'info' };
type Action = EditorAction | 'retry-failed';

const DONE = localeRecord('newsroom.editions.done') as Record<Action, string>;

/** A key of what the controls show, so a poll re-renders them only when it changes. */
const controlsKey = (v: SendingView) => `${v.status}${v.canRetry ? '-retry' : ''}`;

/** History (`/admin/editions`) and the sending screen of one edition (`/admin/editions/:id`). */
@Controller('admin/editions')
@NewsroomPage()
@RequirePermission('stats.view')
export class EditionsController {
  constructor(
    private readonly view: NewsroomView,
    private readonly audit: AuditLog,
    private readonly editions: EditionsService,
    private readonly history: EditionHistory,
    private readonly renderer: EditionRenderer,
    private readonly queue: DeliveryQueue,
    private readonly config: AppConfig,
    private readonly stats: EditionStats,
    private readonly providerRates: ProviderRateReport,
    private readonly newsletters: NewslettersRepository,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response, @Query() raw: Record<string, unknown>): Promise<void> {
    // `type`: breaking (every alert) or a newsletter's slug (daily, weekly, another digest or alerts newsletter).
    const newsletters = await this.newsletters.list({ archived: true });
    const extra = newsletters.filter((n) => !(n.slug in TYPE_LABELS));
    const filters = {
      type: pick(raw.type, ['breaking', ...newsletters.map((n) => n.slug)]),
      status: typeof raw.status === 'string' ? raw.status : '',
      from: typeof raw.from === 'string' ? raw.from : '',
      to: typeof raw.to === 'string' ? raw.to : '',
      before: typeof raw.before === 'string' ? raw.before : '',
    };
    const query = plainToInstance(HistoryQueryDto, {
      kind: filters.type === 'breaking' ? 'breaking' : undefined,
      newsletter: filters.type === '' || filters.type === 'breaking' ? undefined : filters.type,
      status: filters.status || undefined,
      from: filters.from || undefined,
      to: filters.to || undefined,
      before: filters.before || undefined,
      limit: 25,
    });
    const invalid = (await validate(query)).length > 0 || (filters.from && filters.to && filters.from > filters.to);
    const page = invalid ? { items: [], nextBefore: null } : await this.history.page(query);
    const clickers = await this.stats.clickers(page.items.map((e) => e.id));
    const tz = dateStyleOf(this.config.publication);
    const params = new URLSearchParams(
      Object.entries({ ...filters, before: '' }).filter(([, v]) => v !== '') as [string, string][],
    );
    if (page.nextBefore) {
      params.set('before', page.nextBefore);
    }
    await this.view.page(
      req,
      res,
      'editions',
      {
        filters,
        filtered: Boolean(filters.type || filters.status || filters.from || filters.to),
        error: invalid ? this.view.t('newsroom.editions.badFilter') : null,
        typeOptions: [
          ...(Object.keys(TYPE_LABELS) as EditionType[]).map((value) => ({ value, label: TYPE_LABELS[value] })),
          ...extra.map((n) => ({ value: n.slug, label: n.name })),
        ].map((o) => ({ ...o, selected: o.value === filters.type })),
        statusOptions: STATUS_VALUES.map((value) => ({
          value,
          label: STATUS_LABELS[value],
          selected: value === filters.status,
        })),
        rows: page.items.map((e) => ({
          id: e.id,
          subject: e.subject || `#${e.id}`,
          typeLabel: extra.find((n) => n.slug === e.newsletter)?.name ?? TYPE_LABELS[editionType(e)],
          statusLabel: STATUS_LABELS[e.status],
          statusTone: e.status === 'sent' ? 'ok' : e.status === 'paused' || e.status === 'cancelled' ? 'error' : '',
          createdAt: whenText(e.createdAt, tz),
          counts: e.deliveries,
          remaining: e.deliveries ? e.deliveries.queued + e.deliveries.sending : 0,
          ...clickedView(clickers.get(e.id) ?? 0, e.deliveries?.sent ?? 0),
        })),
        olderUrl: page.nextBefore ? `/admin/editions?${params.toString()}` : null,
      },
      { nav: 'editions', title: this.view.t('newsroom.editions.title'), status: invalid ? 400 : 200 },
    );
  }

  @Get(':id')
  async detail(
    @Param('id') id: string,
    @Query('segment') segment: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const edition = await this.found(id);
    const v = await this.sending(edition);
    const [renders, articles, card, providers] = await Promise.all([
      this.history.storedRenders(edition.id),
      this.renderer.articlesInOrder(edition.articleIds),
      engagementCard(edition, v.settled, this.stats),
      this.providerRates.ofEdition(edition.id),
    ]);
    const chosen = renders.some((r) => r.segmentKey === segment) ? segment! : 'all';
    const tz = dateStyleOf(this.config.publication);
    await this.view.page(
      req,
      res,
      'edition',
      {
        edition,
        typeLabel: TYPE_LABELS[editionType(edition)],
        isBreaking: editionType(edition) === 'breaking',
        createdAt: whenText(edition.createdAt, tz),
        sentAt: whenText(edition.sentAt, tz),
        articles,
        providers,
        v,
        controlsKey: controlsKey(v),
        withControls: true,
        renders: renders.map((r) => ({
          segmentKey: r.segmentKey,
          selected: r.segmentKey === chosen,
          label:
            (r.segmentKey.startsWith('all')
              ? this.view.t('newsroom.editions.segmentAll')
              : this.view.t('newsroom.editions.segmentTopics', { count: r.articleCount })) +
            (r.segmentKey.endsWith(DIRECT_LINKS_SUFFIX) ? this.view.t('newsroom.editions.segmentDirect') : ''),
        })),
        hasSegments: renders.length > 1,
        ...card,
        engagementScripts: card.live || card.engagement !== null,
        segment: encodeURIComponent(chosen),
      },
      { nav: 'editions', title: edition.subject || this.view.t('newsroom.editions.untitled', { id: edition.id }) },
    );
  }

  /** The live part of the sending screen, polled by htmx every second until the edition is settled. */
  @Get(':id/progress')
  async progress(@Param('id') id: string, @Query('seen') seen: string | undefined, @Res() res: Response) {
    const v = await this.sending(await this.found(id));
    const key = controlsKey(v);
    if (v.settled) {
      // The last poll: the engagement card refreshes now too, so it does not lag behind the final counts.
      res.set('HX-Trigger', 'edition-settled');
    }
    this.view.fragment(res, 'edition-progress', { v, controlsKey: key, withControls: key !== seen, oob: true });
  }

  /** The engagement card alone, polled by htmx (every 5 s) while the edition is sending or paused. */
  @Get(':id/engagement')
  async engagement(@Param('id') id: string, @Res() res: Response) {
    const edition = await this.found(id);
    const v = await this.sending(edition);
    this.view.fragment(res, 'edition-engagement', await engagementCard(edition, v.settled, this.stats));
  }

  /** The email as it went out (one stored render), readers' personal links replaced by inert ones. */
  @Get(':id/html')
  async html(@Param('id') id: string, @Query('segment') segment: string | undefined, @Res() res: Response) {
    const edition = await this.found(id);
    const render = await this.history.storedRender(edition.id, typeof segment === 'string' ? segment : 'all');
    if (!render) {
      throw new NotFoundException(this.view.t('newsroom.editions.noRender'));
    }
    res
      .type('html')
      .set('Cache-Control', 'no-store')
      .set('X-Frame-Options', 'SAMEORIGIN')
      // The stored email is shown, never run: no scripts, no forms, nothing fetched but its images.
      .set(
        'Content-Security-Policy',
        "sandbox; default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'",
      )
      .send(personalise(render.html, { unsubscribeUrl: '#', preferencesUrl: '#' }));
  }

  @RequirePermission('edition.send')
  @Post(':id/pause')
  pause(@Param('id') id: string, @CurrentEditor() editor: SignedInEditor, @Req() req: Request, @Res() res: Response) {
    return this.act(id, 'pause', editor, req, res);
  }

  @RequirePermission('edition.send')
  @Post(':id/resume')
  resume(@Param('id') id: string, @CurrentEditor() editor: SignedInEditor, @Req() req: Request, @Res() res: Response) {
    return this.act(id, 'resume', editor, req, res);
  }

  @RequirePermission('edition.send')
  @Post(':id/cancel')
  cancel(@Param('id') id: string, @CurrentEditor() editor: SignedInEditor, @Req() req: Request, @Res() res: Response) {
    return this.act(id, 'cancel', editor, req, res);
  }

  @RequirePermission('edition.send')
  @Post(':id/retry-failed')
  retry(@Param('id') id: string, @CurrentEditor() editor: SignedInEditor, @Req() req: Request, @Res() res: Response) {
    return this.act(id, 'retry-failed', editor, req, res);
  }

  /**
   * Every control posts here: htmx gets the refreshed progress (and controls) in place, a plain form post a
   * redirect back to the screen with the outcome as a flash message.
   */
  private async act(id: string, action: Action, editor: SignedInEditor, req: Request, res: Response): Promise<void> {
    const edition = await this.found(id);
    let notice: Notice;
    try {
      if (action === 'retry-failed') {
        const requeued = await this.queue.retryFailed(edition.id);
        await this.audit.record(editor, 'edition.retry-failed', `edition #${edition.id}`, { requeued });
        notice = { text: `${DONE[action]} (${requeued})`, tone: 'success' };
      } else {
        await this.editions.act(edition.id, action);
        await this.audit.record(editor, `edition.${action}`, `edition #${edition.id}`, { subject: edition.subject });
        notice = { text: DONE[action], tone: 'success' };
      }
    } catch (err) {
      if (!(err instanceof ConflictError)) {
        throw err;
      }
      const now = await this.found(id);
      notice = {
        text: this.view.t('newsroom.editions.refused', { status: STATUS_LABELS[now.status] }),
        tone: 'error',
      };
    }
    if (req.headers['hx-request']) {
      const v = await this.sending(await this.found(id));
      this.view.fragment(res, 'edition-progress', {
        v,
        controlsKey: controlsKey(v),
        withControls: true,
        oob: true,
        notice,
      });
      return;
    }
    this.view.flash(req, notice.text, notice.tone);
    res.redirect(303, `/admin/editions/${edition.id}`);
  }

  private async sending(edition: Edition): Promise<SendingView> {
    return sendingView(edition, await this.queue.progress(edition.id));
  }

  private async found(id: string): Promise<Edition> {
    const edition = await this.editions.find(id);
    if (!edition) {
      throw new NotFoundException(this.view.t('newsroom.editions.notFound'));
    }
    return edition;
  }
}

function pick(value: unknown, allowed: string[]): string {
  return typeof value === 'string' && allowed.includes(value) ? value : '';
}
