import { weekdayNames } from '../common/formatter';
import { RequirePermission } from '../auth/require-permission';
import { Body, Controller, Get, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { NewsroomPage } from '../auth/newsroom-page';
import { InvalidInputError, NotFoundError } from '../common/domain-errors';
import { Locale, localeText } from '../common/locale';
import { AppConfig } from '../config/app-config';
import { cronFromTime, timeFromCron } from '../digests/digest-settings.service';
import type { NewsletterDto, UpdateNewsletterDto } from '../digests/dto/newsletter.dto';
import { NewsletterCatalog } from '../digests/newsletter-catalog';
import { NewsletterForm, NewsletterStatusForm } from './dto/newsletters.dto';
import { NewsroomFormErrors } from './form-errors.filter';
import { ActionOutcome, NewsroomAction } from './newsroom-action';
import { NewsroomView } from './newsroom-view';
import { NextDigestViewModel } from './next-digest.view';

// Sunday first, as cron numbers them; the one spelling of the formatter («الاثنين»).
const WEEKDAYS = weekdayNames();
const LIST = localeText('newsroom.nextDigest.listSeparator');
const SCREEN = '/admin/settings/newsletters';

/**
 * A refused change (a newsletter rule, a slug taken) goes back to its form with the reason; an unknown newsletter
 * stays a 404.
 */
const REFUSED = { passOn: [NotFoundError], say: { conflict: 'newsletters.errors.slugTaken' } };

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
            topicList: n.topics.join(LIST),
            lastEdition: last ? { id: last.id, subject: last.subject, when: this.times.when(last.sentAt) } : null,
          };
        }),
        form: this.formContext(null),
        timeZone: this.config.publication.timeZone,
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
        timeZone: this.config.publication.timeZone,
      },
      { nav: 'newsletters', title: newsletter.name },
    );
  }

  @RequirePermission('newsletters.manage')
  @Post()
  @NewsroomAction('newsletter.create', { redirect: SCREEN, refused: REFUSED })
  async create(@Body() form: NewsletterForm): Promise<ActionOutcome> {
    const kind = form.kind ?? 'digest';
    const created = await this.catalog.create({
      ...this.fields(form, kind),
      slug: form.slug ?? '',
      name: form.name,
      kind,
    });
    return {
      subject: `newsletter:${created.slug}`,
      detail: { ...form },
      flash: this.locale.t('newsletters.screen.created', { name: created.name }),
    };
  }

  @RequirePermission('newsletters.manage')
  @Post(':slug')
  @NewsroomAction('newsletter.update', { redirect: SCREEN, refused: { ...REFUSED, to: `${SCREEN}/:slug` } })
  async update(@Param('slug') slug: string, @Body() form: NewsletterForm): Promise<ActionOutcome> {
    const current = await this.found(slug);
    const updated = await this.catalog.update(slug, this.fields(form, current.kind));
    return {
      subject: `newsletter:${slug}`,
      detail: { ...form },
      flash: this.locale.t('newsletters.screen.saved', { name: updated.name }),
    };
  }

  @RequirePermission('newsletters.manage')
  @Post(':slug/status')
  @NewsroomAction('newsletter.archive', { redirect: SCREEN, refused: REFUSED })
  async status(@Param('slug') slug: string, @Body() form: NewsletterStatusForm): Promise<ActionOutcome> {
    const archived = form.status === 'archived';
    const updated = await this.catalog.update(slug, { status: form.status });
    return {
      action: archived ? 'newsletter.archive' : 'newsletter.restore',
      subject: slug,
      flash: this.locale.t(`newsletters.screen.${archived ? 'archived' : 'restored'}`, { name: updated.name }),
    };
  }

  private async found(slug: string): Promise<NewsletterDto> {
    try {
      return await this.catalog.get(slug);
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new NotFoundError('newsletters.screen.notFound', { slug });
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
        throw new InvalidInputError('newsletters.screen.scheduleRequired');
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
        : `${simple.days.map((d) => WEEKDAYS[d]).join(LIST)} ${simple.time}`
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
      topics: n?.topics.join(LIST) ?? '',
      newest: n?.articleOrder === 'newest',
      oldest: n?.articleOrder === 'oldest',
      showOnForm: n ? n.showOnForm : true,
      defaultChecked: n ? n.defaultChecked : false,
    };
  }
}
