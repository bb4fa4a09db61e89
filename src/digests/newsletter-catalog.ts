import { Injectable, Logger } from '@nestjs/common';
import { CronTime } from 'cron';
import { InvalidInputError } from '../common/domain-errors';

/** A newsletter rule broken; `key` names it in the locale (newsletters.errors.*) for editors' screens. */
export class NewsletterRuleError extends InvalidInputError {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}
import { AppConfig } from '../config/app-config';
import type { Newsletter } from '../subscribers/newsletter.entity';
import { NO_READERS, NewsletterReaderCounts, type NewsletterReaders } from '../subscribers/newsletter-reader-counts';
import { type NewsletterInput, NewslettersRepository } from '../subscribers/newsletters.repository';
import { DigestScheduler } from './digest-scheduler';
import { EditionsRepository } from './editions.repository';
import type { CreateNewsletterDto, NewsletterDto, UpdateNewsletterDto } from './dto/newsletter.dto';

const ALERTS_HAVE_NO_SCHEDULE = 'An alerts newsletter has no schedule or period: editors send each alert';

/**
 * Editors' newsletters: create, change, archive, with the rules only a service can check (a digest's period
 * and cron, alerts without a schedule). A change reaches this instance's scheduler at once and the others
 * within their next poll.
 */
@Injectable()
export class NewsletterCatalog {
  private readonly logger = new Logger(NewsletterCatalog.name);

  constructor(
    private readonly newsletters: NewslettersRepository,
    private readonly scheduler: DigestScheduler,
    private readonly config: AppConfig,
    private readonly editions: EditionsRepository,
    private readonly readers: NewsletterReaderCounts,
  ) {}

  async list(options: { archived?: boolean } = { archived: true }): Promise<NewsletterDto[]> {
    const [newsletters, growth, readers] = await Promise.all([
      this.newsletters.list(options),
      this.newsletters.growth(30),
      this.readers.byNewsletter(),
    ]);
    return newsletters.map((n) => this.view(n, growth.get(n.slug), readers.get(n.id)));
  }

  /** Each newsletter's latest edition that went out, by slug. */
  lastSent(): Promise<Map<string, { id: string; subject: string; sentAt: Date }>> {
    return this.editions.lastSentByNewsletter();
  }

  async get(slug: string): Promise<NewsletterDto> {
    const [newsletter, growth, readers] = await Promise.all([
      this.newsletters.bySlugOrFail(slug),
      this.newsletters.growth(30),
      this.readers.byNewsletter(),
    ]);
    return this.view(newsletter, growth.get(slug), readers.get(newsletter.id));
  }

  async create(dto: CreateNewsletterDto): Promise<NewsletterDto> {
    const input: NewsletterInput = {
      slug: dto.slug,
      name: dto.name.trim(),
      description: dto.description?.trim() ?? '',
      kind: dto.kind,
      period: dto.kind === 'digest' ? (dto.period ?? 'weekly') : null,
      scheduleCron: dto.kind === 'digest' ? this.cron(dto.scheduleCron) : null,
      topics: normaliseTopics(dto.topics),
      maxArticles: dto.maxArticles ?? null,
      articleOrder: dto.articleOrder ?? null,
      senderName: dto.senderName?.trim() || null,
      showOnForm: dto.showOnForm ?? true,
      defaultChecked: dto.defaultChecked ?? false,
      status: dto.status ?? 'active',
      position: dto.position ?? 100,
    };
    if (dto.kind === 'alerts' && (dto.scheduleCron || dto.period)) {
      throw new NewsletterRuleError('newsletters.errors.alertsSchedule', ALERTS_HAVE_NO_SCHEDULE);
    }
    const created = await this.newsletters.create(input);
    this.logger.log(`Newsletter ${created.slug} (${created.kind}) created`);
    await this.scheduler.pollSettings();
    return this.view(created);
  }

  async update(slug: string, dto: UpdateNewsletterDto): Promise<NewsletterDto> {
    const current = await this.newsletters.bySlugOrFail(slug);
    if (current.kind === 'alerts' && ((dto.scheduleCron ?? null) !== null || dto.period !== undefined)) {
      throw new NewsletterRuleError('newsletters.errors.alertsSchedule', ALERTS_HAVE_NO_SCHEDULE);
    }
    const patch: Partial<NewsletterInput> = {
      ...(dto.name !== undefined ? { name: dto.name.trim() } : {}),
      ...(dto.description !== undefined ? { description: dto.description.trim() } : {}),
      ...(dto.period !== undefined ? { period: dto.period } : {}),
      ...(dto.scheduleCron !== undefined ? { scheduleCron: this.cron(dto.scheduleCron) } : {}),
      ...(dto.topics !== undefined ? { topics: normaliseTopics(dto.topics) } : {}),
      ...(dto.maxArticles !== undefined ? { maxArticles: dto.maxArticles } : {}),
      ...(dto.articleOrder !== undefined ? { articleOrder: dto.articleOrder } : {}),
      ...(dto.senderName !== undefined ? { senderName: dto.senderName?.trim() || null } : {}),
      ...(dto.showOnForm !== undefined ? { showOnForm: dto.showOnForm } : {}),
      ...(dto.defaultChecked !== undefined ? { defaultChecked: dto.defaultChecked } : {}),
      ...(dto.status !== undefined ? { status: dto.status } : {}),
      ...(dto.position !== undefined ? { position: dto.position } : {}),
    };
    const updated = await this.newsletters.update(slug, patch);
    this.logger.log(`Newsletter ${slug} changed: ${Object.keys(patch).join(', ') || 'nothing'}`);
    await this.scheduler.pollSettings();
    return this.view(updated);
  }

  /** A cron expression checked by the scheduler's own parser (null/blank: the period's standard schedule). */
  private cron(value: string | null | undefined): string | null {
    const cron = value?.trim().replace(/\s+/g, ' ');
    if (!cron) {
      return null;
    }
    let valid = cron.split(' ').length === 5;
    try {
      new CronTime(cron, this.config.publication.timeZone);
    } catch {
      valid = false;
    }
    if (!valid) {
      throw new NewsletterRuleError(
        'newsletters.errors.cron',
        `scheduleCron is not a valid cron expression of five fields (minute hour day month weekday): ${cron}`,
      );
    }
    return cron;
  }

  view(n: Newsletter, growth = { joined: 0, left: 0 }, readers: NewsletterReaders = NO_READERS): NewsletterDto {
    const digest = n.kind === 'digest' && n.status === 'active';
    return {
      slug: n.slug,
      name: n.name,
      description: n.description,
      kind: n.kind,
      period: n.period,
      scheduleCron: n.scheduleCron,
      cronInForce: digest ? this.scheduler.cronFor(n.slug) : null,
      nextRunAt: digest ? this.scheduler.nextRunAt(n.slug).toISOString() : null,
      topics: n.topics,
      maxArticles: n.maxArticles,
      articleOrder: n.articleOrder,
      senderName: n.senderName,
      showOnForm: n.showOnForm,
      defaultChecked: n.defaultChecked,
      status: n.status,
      position: n.position,
      subscribers: n.subscriberCount,
      growth30: growth,
      readers: { ...readers },
    };
  }
}

/** Topic keys as articles carry them: no leading `#`, spaces as underscores (hashtags cannot hold spaces). */
function normaliseTopics(topics: string[] | undefined): string[] {
  return [...new Set((topics ?? []).map((t) => t.trim().replace(/^#/, '').replace(/\s+/g, '_')).filter(Boolean))];
}
