import { weekdayNames } from '../common/formatter';
import { RequirePermission } from '../auth/require-permission';
import { Body, Controller, Get, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, type SignedInEditor } from '../auth/current-editor';
import { NewsroomPage } from '../auth/newsroom-page';
import { ConflictError, DomainError, NotFoundError } from '../common/domain-errors';
import { Locale } from '../common/locale';
import { AppConfig } from '../config/app-config';
import { cronFromTime, timeFromCron } from '../digests/digest-settings.service';
import type { NewsletterDto, UpdateNewsletterDto } from '../digests/dto/newsletter.dto';
import { NewsletterCatalog, NewsletterRuleError } from '../digests/newsletter-catalog';
import { NewsletterForm, NewsletterStatusForm } from './dto/newsletters.dto';
import { NewsroomFormErrors } from './form-errors.filter';
import { NewsroomView } from './newsroom-view';
import { NextDigestViewModel } from './next-digest.view';
import { seeOther } from './see-other';

// Sunday first, as cron numbers them; the one spelling of the formatter («الاثنين»).
const WEEKDAYS = weekdayNames();
const SCREEN = '/admin/settings/newsletters';

/**
 * Newsroom → Newsletters: every newsletter with its kept subscriber count and last edition; create, edit (with a
 * schedule editor in TIMEZONE), archive and restore. Each change is audited and reaches the scheduler at once.
 */
@ApiExcludeController()
@NewsroomPage()
@UseFilters(NewsroomFormErrors)
@RequirePermission('stats.view')
@Controller('admin/settings/newsletters')
export class NewslettersController {
  constructor(
    private readonly catalog: NewsletterCatalog,
    private readonly view: NewsroomView,
    private readonly times: NextDigestViewModel,
    private readonly audit: AuditLog,
    private readonly locale: Locale,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    const [newsletters, lastSent] = await Promise.all([this.catalog.list(), this.catalog.lastSent()]);
    await this.view.page(
      req,
      res,
      'newsletters',
      {
        newsletters: newsletters.map((n) => {
          const last = lastSent.get(n.slug);
          return {
            ...n,
            digest: n.kind === 'digest',
            archived: n.status === 'archived',
            schedule: this.schedule(n),
            topicList: n.topics.join('، '),
            lastEdition: last ? { id: last.id, subject: last.subject, when: this.times.when(last.sentAt) } : null,
          };
        }),
        form: this.formContext(null),
        timeZone: this.config.env.TIMEZONE,
      },
      { nav: 'newsletters', title: this.locale.t('newsletters.screen.title') },
    );
  }

  @Get(':slug')
  async edit(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const newsletter = await this.found(slug);
    await this.view.page(
      req,
      res,
      'newsletter-edit',
      {
        newsletter,
        action: `${SCREEN}/${newsletter.slug}`,
        nextRun: newsletter.nextRunAt ? this.times.when(new Date(newsletter.nextRunAt)) : null,
        form: this.formContext(newsletter),
        timeZone: this.config.env.TIMEZONE,
      },
      { nav: 'newsletters', title: newsletter.name },
    );
  }

  @RequirePermission('newsletters.manage')
  @Post()
  async create(
    @Body() form: NewsletterForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.act(req, res, SCREEN, async () => {
      const kind = form.kind ?? 'digest';
      const created = await this.catalog.create({
        ...this.fields(form, kind),
        slug: form.slug ?? '',
        name: form.name,
        kind,
      });
      await this.audit.record(editor, 'newsletter.create', `newsletter:${created.slug}`, { ...form });
      return this.locale.t('newsletters.screen.created', { name: created.name });
    });
  }

  @RequirePermission('newsletters.manage')
  @Post(':slug')
  async update(
    @Param('slug') slug: string,
    @Body() form: NewsletterForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const current = await this.found(slug);
    await this.act(req, res, `${SCREEN}/${slug}`, async () => {
      const updated = await this.catalog.update(slug, this.fields(form, current.kind));
      await this.audit.record(editor, 'newsletter.update', `newsletter:${slug}`, { ...form });
      return this.locale.t('newsletters.screen.saved', { name: updated.name });
    });
  }

  @RequirePermission('newsletters.manage')
  @Post(':slug/status')
  async status(
    @Param('slug') slug: string,
    @Body() form: NewsletterStatusForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.act(req, res, SCREEN, async () => {
      const updated = await this.catalog.update(slug, { status: form.status });
      await this.audit.record(editor, `newsletter.${form.status === 'archived' ? 'archive' : 'restore'}`, slug);
      return this.locale.t(`newsletters.screen.${form.status === 'archived' ? 'archived' : 'restored'}`, {
        name: updated.name,
      });
    });
  }

  private async found(slug: string): Promise<NewsletterDto> {
    try {
      return await this.catalog.get(slug);
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new NotFoundError(this.locale.t('newsletters.screen.notFound'));
      }
      throw err;
    }
  }

  /** The form's fields as the catalog takes them; the schedule editor's choice becomes one cron (or none). */
  private fields(form: NewsletterForm, kind: 'digest' | 'alerts'): UpdateNewsletterDto {
    const common: UpdateNewsletterDto = {
      name: form.name,
      description: form.description ?? '',
      topics: (form.topics ?? '')
        .split(/[,،]/)
        .map((t) => t.trim())
        .filter(Boolean),
      senderName: form.senderName?.trim() || null,
      showOnForm: form.showOnForm === 'on',
      defaultChecked: form.defaultChecked === 'on',
    };
    if (kind === 'alerts') {
      return common;
    }
    const period = form.period ?? 'weekly';
    let scheduleCron: string | null = null;
    if (form.scheduleMode === 'cron') {
      scheduleCron = form.cron?.trim() || null;
    } else if (form.scheduleMode === 'own') {
      const days = (form.days ?? []).map(Number);
      if (!form.time || days.length === 0) {
        throw new DomainFormError(this.locale.t('newsletters.screen.scheduleRequired'));
      }
      scheduleCron = cronFromTime(form.time, period === 'weekly' ? days.slice(0, 1) : days);
    }
    return {
      ...common,
      period,
      scheduleCron,
      maxArticles: form.maxArticles ? Number(form.maxArticles) : null,
      articleOrder: form.articleOrder || null,
    };
  }

  /** "كل يوم 07:00", "الجمعة 09:00", a raw cron, or the standard schedule's. */
  private schedule(n: NewsletterDto): string | null {
    if (n.kind !== 'digest') {
      return null;
    }
    const cron = n.cronInForce ?? n.scheduleCron;
    const simple = cron ? timeFromCron(cron) : null;
    const what = simple
      ? simple.days.length === 7
        ? this.locale.t('newsletters.screen.everyDay', { time: simple.time })
        : `${simple.days.map((d) => WEEKDAYS[d]).join('، ')} ${simple.time}`
      : (cron ?? '');
    return n.scheduleCron ? what : `${what} (${this.locale.t('newsletters.screen.standardSchedule')})`;
  }

  private formContext(n: NewsletterDto | null): Record<string, unknown> {
    const own = n?.scheduleCron ? timeFromCron(n.scheduleCron) : null;
    const mode = !n?.scheduleCron ? 'standard' : own ? 'own' : 'cron';
    return {
      isNew: n === null,
      digest: !n || n.kind === 'digest',
      weekly: !n || n.period === 'weekly',
      standard: mode === 'standard',
      own: mode === 'own',
      cronMode: mode === 'cron',
      cron: n?.scheduleCron ?? '',
      time: own?.time ?? '09:00',
      days: WEEKDAYS.map((label, value) => ({ label, value, checked: own ? own.days.includes(value) : value === 5 })),
      topics: n?.topics.join('، ') ?? '',
      newest: n?.articleOrder === 'newest',
      oldest: n?.articleOrder === 'oldest',
      showOnForm: n ? n.showOnForm : true,
      defaultChecked: n ? n.defaultChecked : false,
    };
  }

  private editorMessage(err: DomainError): string {
    if (err instanceof NewsletterRuleError) {
      return this.locale.t(err.key);
    }
    if (err instanceof ConflictError) {
      return this.locale.t('newsletters.errors.slugTaken');
    }
    return err.message;
  }

  /** Runs a change; success → flash and back (303), a refusal (bad input, slug taken) → flash the reason. */
  private async act(req: Request, res: Response, back: string, change: () => Promise<string>): Promise<void> {
    try {
      this.view.flash(req, await change(), 'success');
      await seeOther(req, res, back.startsWith(`${SCREEN}/`) ? SCREEN : back);
    } catch (err) {
      if (!(err instanceof DomainError) || err instanceof NotFoundError) {
        throw err;
      }
      this.view.flash(req, this.editorMessage(err), 'error');
      await seeOther(req, res, back);
    }
  }
}

/** A form the service would refuse anyway, said in the editor's words. */
class DomainFormError extends DomainError {}
