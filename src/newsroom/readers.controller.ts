import { Body, Controller, Get, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { TopicCatalog } from '../articles/topic-catalog';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { NewsroomPage } from '../auth/newsroom-page';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { NewslettersRepository } from '../subscribers/newsletters.repository';
import { READER_STATUSES, ReaderDirectory } from '../subscribers/reader-directory';
import { SubscriberPrivacyService } from '../subscribers/subscriber-privacy.service';
import { EraseReaderForm, ReaderListQuery } from './dto/readers.dto';
import { deliveryStatusLabel, editionKindLabel } from './newsroom-labels';
import { dateStyleOf, formatDate, formatMoment } from '../common/formatter';
import { localeRecord } from '../common/locale';
import { NewsroomView } from './newsroom-view';
import { csvRow, readerExportCsv } from './reader-export';
import { can } from '../auth/permissions';
import { RequirePermission } from '../auth/require-permission';

const PAGE_SIZE = 50;
const STATUS_LABELS = localeRecord('newsroom.readers.status');
const FREQUENCY_LABELS = localeRecord('newsroom.readers.frequency');
const STATUS_TONES: Record<string, string> = { active: 'ok', pending: 'warn', bounced: 'error', complained: 'error' };

/** Readers: search and filters, one reader's record, consent and deliveries, export, erase. */
@Controller('admin/readers')
@NewsroomPage()
export class ReadersController {
  constructor(
    private readonly view: NewsroomView,
    private readonly directory: ReaderDirectory,
    private readonly privacy: SubscriberPrivacyService,
    private readonly topics: TopicCatalog,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly newsletters: NewslettersRepository,
  ) {}

  private when(value: Date | string | null | undefined): string | null {
    return formatMoment(value, dateStyleOf(this.config.publication));
  }

  @RequirePermission('stats.view')
  @Get()
  async list(
    @Query() query: ReaderListQuery,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { before, ...filter } = query;
    // Without readers.view (an analyst) the screen shows counts only: no list, and no search by address, whose
    // count would tell whether one person is a reader.
    const addresses = can(editor, 'readers.view');
    if (!addresses) {
      delete filter.q;
    }
    const [page, counts, topics, newsletters] = await Promise.all([
      addresses ? this.directory.list(filter, before, PAGE_SIZE) : { readers: [], nextBefore: null },
      this.directory.countsByStatus(filter),
      this.topics.list(),
      this.newsletters.list({ archived: true }),
    ]);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const link = (changes: Record<string, string | undefined>) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries({ ...filter, ...changes })) {
        if (v) {
          params.set(k, v);
        }
      }
      const text = params.toString();
      return `/admin/readers${text ? `?${text}` : ''}`;
    };
    await this.view.page(req, res, 'readers', {
      filter,
      narrowed: Boolean(
        filter.q || filter.status || filter.frequency || filter.topic || filter.page || filter.newsletter,
      ),
      newsletters: newsletters.map((n) => ({ slug: n.slug, name: n.name, selected: filter.newsletter === n.slug })),
      total,
      counts: READER_STATUSES.map((status) => ({
        status,
        label: STATUS_LABELS[status],
        count: counts[status],
        href: link({ status: filter.status === status ? undefined : status }),
        current: filter.status === status,
      })),
      statuses: READER_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s], selected: filter.status === s })),
      frequencies: ['daily', 'weekly'].map((f) => ({
        value: f,
        label: FREQUENCY_LABELS[f],
        selected: filter.frequency === f,
      })),
      topics: topics.map((t) => ({ key: t.key, name: t.name, selected: filter.topic === t.key })),
      readers: page.readers.map((r) => ({
        ...r,
        statusLabel: STATUS_LABELS[r.status],
        tone: STATUS_TONES[r.status] ?? '',
        frequencyLabel: FREQUENCY_LABELS[r.frequency],
        created: r.createdAt ? formatDate(new Date(r.createdAt), dateStyleOf(this.config.publication)) : null,
      })),
      nextHref: page.nextBefore ? link({ before: page.nextBefore }) : null,
      exportHref: link({}).replace('/admin/readers', '/admin/readers/export.csv'),
      firstHref: before ? link({}) : null,
    });
  }

  /** The readers the filters select, as CSV, streamed batch by batch (declared before `:id`). */
  @RequirePermission('readers.export')
  @Get('export.csv')
  async exportList(
    @Query() query: ReaderListQuery,
    @CurrentEditor() editor: SignedInEditor,
    @Res() res: Response,
  ): Promise<void> {
    const { before: _ignored, ...filter } = query;
    res.set('Cache-Control', 'no-store').attachment('readers.csv').type('text/csv; charset=utf-8');
    res.write('\uFEFF' + csvRow(['id', 'email', 'status', 'frequency', 'topics', 'signup_page', 'created_at']));
    let count = 0;
    for await (const rows of this.directory.walk(filter)) {
      const chunk = rows
        .map((r) => csvRow([r.id, r.email, r.status, r.frequency, r.topics.join(' '), r.signupPage, r.createdAt]))
        .join('');
      count += rows.length;
      if (!res.write(chunk)) {
        await new Promise((resolve) => res.once('drain', resolve));
      }
    }
    // Recorded before the download completes, so the log never misses an export the editor received.
    await this.audit.record(editor, 'readers.export', undefined, { ...filter, count });
    res.end();
  }

  @RequirePermission('readers.view')
  @Get(':id')
  show(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.renderReader(id, req, res, 200);
  }

  private async renderReader(id: string, req: Request, res: Response, status: number): Promise<void> {
    const reader = await this.directory.find(id);
    if (!reader) {
      throw new NotFoundException(this.view.t('newsroom.readers.notFound'));
    }
    const deliveries = await this.directory.deliveries(id, 50);
    const names = new Map((await this.topics.list()).map((t) => [t.key, t.name]));
    const consent = reader.consent;
    await this.view.page(
      req,
      res,
      'reader',
      {
        reader: {
          ...reader,
          statusLabel: STATUS_LABELS[reader.status],
          tone: STATUS_TONES[reader.status] ?? '',
          frequencyLabel: FREQUENCY_LABELS[reader.frequency],
          topicNames: reader.topics.map((k) => names.get(k) ?? k),
          created: this.when(reader.createdAt),
          confirmationSent: this.when(reader.confirmationSentAt),
          confirmed: this.when(reader.confirmedAt),
          unsubscribed: this.when(reader.unsubscribedAt),
          bounced: this.when(reader.bouncedAt),
        },
        consent: consent && {
          ...consent,
          when: this.when(consent.at),
          imported: consent.source === 'import',
        },
        deliveries: deliveries.map((d) => ({
          ...d,
          sent: this.when(d.sentAt),
          kindLabel: d.editionKey ? editionKindLabel(d.editionKey, this.view) : null,
          statusLabel: deliveryStatusLabel(d.status, this.view),
        })),
        historyDays: this.config.delivery.retentionDays,
      },
      { nav: 'readers', title: reader.email, status },
    );
  }

  @RequirePermission('readers.export')
  @Get(':id/export.json')
  async exportJson(
    @Param('id') id: string,
    @CurrentEditor() editor: SignedInEditor,
    @Res() res: Response,
  ): Promise<void> {
    const data = await this.privacy.export(this.checkedId(id), this.clock.now());
    await this.audit.record(editor, 'reader.export', `subscriber:${id}`, { format: 'json' });
    res
      .set('Cache-Control', 'no-store')
      .attachment(`reader-${id}.json`)
      .type('application/json')
      .send(JSON.stringify(data, null, 2));
  }

  @RequirePermission('readers.export')
  @Get(':id/export.csv')
  async exportCsv(
    @Param('id') id: string,
    @CurrentEditor() editor: SignedInEditor,
    @Res() res: Response,
  ): Promise<void> {
    const data = await this.privacy.export(this.checkedId(id), this.clock.now());
    await this.audit.record(editor, 'reader.export', `subscriber:${id}`, { format: 'csv' });
    res.set('Cache-Control', 'no-store').attachment(`reader-${id}.csv`).type('text/csv; charset=utf-8');
    res.send(readerExportCsv(data));
  }

  /** Erasure asks for the box to be ticked: the form says what is deleted and what is kept. */
  @RequirePermission('readers.erase')
  @Post(':id/erase')
  async erase(
    @Param('id') id: string,
    @Body() form: EraseReaderForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const reader = await this.directory.find(id);
    if (!reader) {
      throw new NotFoundException(this.view.t('newsroom.readers.notFound'));
    }
    if (form.confirm !== 'yes') {
      this.view.flash(req, this.view.t('newsroom.readers.eraseUnconfirmed'), 'error');
      await this.renderReader(id, req, res, 400);
      return;
    }
    await this.privacy.erase(id);
    await this.audit.record(editor, 'reader.erase', `subscriber:${id}`);
    this.view.flash(req, this.view.t('newsroom.readers.erased', { id }), 'success');
    res.redirect(303, '/admin/readers');
  }

  private checkedId(id: string): string {
    if (!/^\d{1,18}$/.test(id)) {
      throw new NotFoundException(this.view.t('newsroom.readers.notFound'));
    }
    return id;
  }
}
