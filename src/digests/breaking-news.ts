import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Article } from '../articles/article.entity';
import { stripHashtagMarkers } from '../articles/topics';
import { Clock } from '../common/clock';
import { ConflictError, NotFoundError } from '../common/domain-errors';
import { EditionRenderer } from './edition-renderer';
import type { Edition } from './edition.entity';
import { EditionsRepository } from './editions.repository';
import { EditionsService } from './editions.service';
import type { Newsletter } from '../subscribers/newsletter.entity';
import { DEFAULT_ALERTS_SLUG, NewslettersRepository } from '../subscribers/newsletters.repository';

/** One article an editor may alert readers about, newest first. */
export interface BreakingCandidate {
  id: string;
  title: string;
  url: string;
  publishedAt: Date;
  /** The alert edition already made for this article, if any: an article is alerted at most once. */
  alertEditionId: string | null;
}

/** The article already had its alert (409); carries that edition so callers can show it. */
export class AlreadyAlertedError extends ConflictError {
  constructor(readonly editionId: string) {
    super(`This article was already sent as a breaking alert (edition ${editionId})`);
  }
}

const ARTICLE_ID = /^\d{1,18}$/;

/** The inbox preview line: the article's summary (its title when it has none). */
function preheader(article: Article): string {
  return (stripHashtagMarkers(article.summary ?? '').trim() || article.title).slice(0, 200);
}

/**
 * The edition key of an article's alert in an alerts newsletter: unique, so a double click or two editors make one
 * alert (`breaking/<id>` for the default newsletter, `<slug>/<id>` for the others).
 */
export function breakingKey(articleId: string, slug: string = DEFAULT_ALERTS_SLUG): string {
  return `${slug}/${articleId}`;
}

/**
 * Breaking news: one article sent now to every active reader subscribed to an alerts newsletter (`breaking` unless
 * another is named), whatever their topics. An alerts newsletter with topics takes only articles carrying one.
 * An alert is an edition of kind `breaking` (frequency NULL), so it shares the ledger, the workers,
 * pause/resume/cancel and the exactly-once guarantee of digests; its key `<slug>/<article id>` makes a second
 * request for the same article a no-op.
 */
@Injectable()
export class BreakingNews {
  private readonly logger = new Logger(BreakingNews.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly editions: EditionsService,
    private readonly repository: EditionsRepository,
    private readonly renderer: EditionRenderer,
    private readonly clock: Clock,
    private readonly newsletters: NewslettersRepository,
  ) {}

  /** How many readers an alert sent now would reach: the alerts newsletter's kept subscriber count. */
  async audienceSize(slug: string = DEFAULT_ALERTS_SLUG): Promise<number> {
    return (await this.alertsNewsletter(slug)).subscriberCount;
  }

  /** The alerts newsletter of a slug; NotFoundError when there is no such active alerts newsletter. */
  async alertsNewsletter(slug: string = DEFAULT_ALERTS_SLUG): Promise<Newsletter> {
    const newsletter = await this.newsletters.findBySlug(slug);
    if (!newsletter || newsletter.kind !== 'alerts' || newsletter.status !== 'active') {
      throw new NotFoundError(`Alerts newsletter ${slug} does not exist`);
    }
    return newsletter;
  }

  /** The latest articles (up to `limit`), optionally those whose title contains `search`. */
  async candidates(search = '', limit = 50): Promise<BreakingCandidate[]> {
    const pattern = `%${search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows: Array<{ id: string; title: string; url: string; published_at: Date; alert: string | null }> =
      await this.dataSource.query(
        `SELECT a.id::text, a.title, a.url, a.published_at, e.id::text AS alert
           FROM articles a LEFT JOIN editions e ON e.key = 'breaking/' || a.id
          WHERE a.title ILIKE $1
          ORDER BY a.published_at DESC, a.id DESC
          LIMIT $2`,
        [pattern, limit],
      );
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      url: r.url,
      publishedAt: new Date(r.published_at),
      alertEditionId: r.alert,
    }));
  }

  /** The alert edition already made for the article in an alerts newsletter (default breaking), or null. */
  async alertEditionId(articleId: string, slug?: string): Promise<string | null> {
    return (await this.repository.findByKey(breakingKey(articleId, slug)))?.id ?? null;
  }

  /** Every active alerts newsletter, in display order. */
  async alertsNewsletters(): Promise<Newsletter[]> {
    return (await this.newsletters.list()).filter((n) => n.kind === 'alerts');
  }

  async article(articleId: string): Promise<Article> {
    const article = ARTICLE_ID.test(articleId)
      ? await this.dataSource.getRepository(Article).findOneBy({ id: articleId })
      : null;
    if (!article) {
      throw new NotFoundError(`Article ${articleId} does not exist`);
    }
    return article;
  }

  /**
   * Makes the article's alert edition and hands it to the delivery queue. Throws AlreadyAlertedError when the
   * article has had its alert (whatever became of it), NotFoundError for an unknown article.
   */
  async send(
    articleId: string,
    options: { subject?: string; newsletter?: string } = {},
    triggeredBy = 'editor',
  ): Promise<Edition> {
    const newsletter = await this.alertsNewsletter(options.newsletter);
    const article = await this.article(articleId);
    if (newsletter.topics.length > 0 && !article.topics.some((t) => newsletter.topics.includes(t))) {
      throw new ConflictError(`Article ${article.id} carries none of the topics of the ${newsletter.slug} alerts`);
    }
    const key = breakingKey(article.id, newsletter.slug);
    const now = this.clock.now();
    const subject = options.subject?.trim() || this.renderer.breakingSubject(article);
    const created = await this.repository.insertAlert({
      key,
      newsletterId: newsletter.id,
      windowFrom: now,
      articleIds: [article.id],
      subject,
      preheader: preheader(article),
      triggeredBy,
    });
    if (!created) {
      const existing = await this.repository.findByKey(key);
      this.logger.log(`Breaking alert for article ${article.id} refused: edition #${existing?.id} already has it`);
      throw new AlreadyAlertedError(existing!.id);
    }
    this.logger.log(`Breaking alert #${created.id} for article ${article.id} created by ${triggeredBy}`);
    return this.editions.handOff(created);
  }
}
