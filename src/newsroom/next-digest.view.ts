import { Injectable } from '@nestjs/common';
import { TopicCatalog } from '../articles/topic-catalog';
import { topicName } from '../articles/topics';
import { dateStyleOf, formatWeekdayTime } from '../common/formatter';
import { localeRecord, localeText } from '../common/locale';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import type { Edition } from '../digests/edition.entity';
import { DigestSettingsService } from '../digests/digest-settings.service';
import { localOfInstant } from '../digests/local-time';
import { NextEditionPlanService, type NextEditionView } from '../digests/next-edition-plan.service';
import { ScheduledEditions } from '../digests/scheduled-editions';
import { InvalidInputError } from '../common/domain-errors';
import { NewslettersRepository } from '../subscribers/newsletters.repository';
import type { Frequency } from '../common/frequency';

export const FREQUENCY_LABELS = localeRecord('newsroom.labels.frequency') as Record<Frequency, string>;

const ACTION_LABELS = localeRecord('newsroom.labels.planActions');
const ACTIONS = {
  up: { label: ACTION_LABELS.up, tone: 'secondary' },
  down: { label: ACTION_LABELS.down, tone: 'secondary' },
  pin: { label: ACTION_LABELS.pin, tone: 'secondary' },
  unpin: { label: ACTION_LABELS.unpin, tone: 'secondary' },
  drop: { label: ACTION_LABELS.drop, tone: 'danger' },
} as const;

/** Turns the next edition (with the editors' plan) into what the Next digest templates show. */
@Injectable()
export class NextDigestViewModel {
  constructor(
    private readonly plans: NextEditionPlanService,
    private readonly scheduled: ScheduledEditions,
    private readonly settings: DigestSettingsService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly newsletters: NewslettersRepository,
    private readonly topicCatalog: TopicCatalog,
  ) {}

  /** The active digest newsletters (the screen's tabs); a slug that is none of them is a 400. */
  private async digests(slug: string): Promise<Array<{ slug: string; name: string }>> {
    const digests = await this.newsletters.digests();
    if (!digests.some((n) => n.slug === slug)) {
      throw new InvalidInputError('newsroom.validation.frequency');
    }
    return digests;
  }

  /** Weekday, day, month and time (`formatWeekdayTime`) in the site's date style. */
  when(at: Date): string {
    return formatWeekdayTime(at, dateStyleOf(this.config.publication));
  }

  /** The part of the page htmx swaps after an article action: preview and article list. */
  async editor(frequency: string, view?: NextEditionView): Promise<Record<string, unknown>> {
    if (!view) {
      await this.digests(frequency);
    }
    const next = view ?? (await this.plans.view(frequency));
    const articles = next.plan.articles;
    const decisions = await this.plans.decisions(frequency);
    // Editors see a topic's display name (as readers do), not its key.
    const topicNames = await this.topicCatalog.names(articles.flatMap((a) => a.topics));
    return {
      frequency,
      // Changes with every decision, so the iframe reloads when htmx swaps it in.
      version: `${decisions?.updatedAt?.getTime() ?? 0}-${articles.map((a) => a.id).join('.')}`,
      planned: decisions !== null,
      maxArticles: (await this.settings.current()).maxArticles,
      leftOutCount: next.plan.leftOut.length,
      articles: articles.map((a, index) => {
        const pinned = next.pinnedArticleId === a.id;
        const names: (keyof typeof ACTIONS)[] = [];
        if (index > 0) {
          names.push('up');
        }
        if (index < articles.length - 1) {
          names.push('down');
        }
        names.push(pinned ? 'unpin' : 'pin', 'drop');
        return {
          id: a.id,
          title: a.title,
          url: a.url,
          isLead: index === 0,
          pinned,
          published: this.when(a.publishedAt),
          topics: a.topics
            .map((key) => topicNames.get(key) ?? topicName(key))
            .join(localeText('newsroom.labels.topicSeparator')),
          actions: names.map((name) => ({ name, ...ACTIONS[name] })),
        };
      }),
      dropped: (next.plan.dropped ?? []).map((a) => ({ id: a.id, title: a.title })),
    };
  }

  async page(frequency: string): Promise<Record<string, unknown>> {
    const digests = await this.digests(frequency);
    const view = await this.plans.view(frequency);
    const decisions = await this.plans.decisions(frequency);
    const upcoming = await this.scheduled.upcoming(frequency);
    const now = this.clock.now();
    return {
      ...(await this.editor(frequency, view)),
      tabs: digests.map((n) => ({ value: n.slug, label: n.name, current: n.slug === frequency })),
      hasArticles: view.plan.articles.length > 0,
      audience: this.audience(view),
      texts: {
        subject: decisions?.subject ?? '',
        preheader: decisions?.preheader ?? '',
        editorNote: decisions?.editorNote ?? '',
      },
      defaults: { subject: view.subject, preheader: view.preheader },
      timeZone: this.config.publication.timeZone,
      scheduleMin: localOfInstant(now, this.config.publication.timeZone),
      scheduleDefault: localOfInstant(new Date(now.getTime() + 3600_000), this.config.publication.timeZone),
      scheduled: upcoming.map((e) => this.scheduledRow(e)),
    };
  }

  /** What the confirmation step states before "send now". */
  async confirmation(frequency: string): Promise<Record<string, unknown>> {
    await this.digests(frequency);
    const view = await this.plans.view(frequency);
    return {
      frequency,
      audience: this.audience(view),
      subject: view.subject,
      articleCount: view.plan.articles.length,
      lead: view.plan.articles[0]?.title ?? '',
      hasArticles: view.plan.articles.length > 0,
    };
  }

  private audience(view: NextEditionView): { active: number; receiving: number; skipped: number } {
    return { ...view.audience, skipped: view.audience.active - view.audience.receiving };
  }

  private scheduledRow(e: Edition): Record<string, unknown> {
    return {
      id: e.id,
      subject: e.subject,
      iso: e.scheduledFor?.toISOString() ?? '',
      when: e.scheduledFor ? this.when(e.scheduledFor) : '',
      articleCount: e.articleIds.length,
    };
  }
}
