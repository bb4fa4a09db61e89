import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Article } from '../articles/article.entity';
import { stripHashtagMarkers } from '../articles/topics';
import { Clock } from '../common/clock';
import { EditionRenderer } from './edition-renderer';
import { Edition } from './edition.entity';
import { EditionsService } from './editions.service';

/** One article an editor may alert readers about, newest first. */
export interface BreakingCandidate {
  id: string;
  title: string;
  url: string;
  publishedAt: Date;
  /** The alert edition already made for this article, if any: an article is alerted at most once. */
  alertEditionId: string | null;
}

/** Thrown (as 409) when the article already has its alert; carries the edition so callers can show it. */
export class AlreadyAlertedException extends ConflictException {
  constructor(readonly editionId: string) {
    super({ message: `This article was already sent as a breaking alert (edition ${editionId})`, editionId });
  }
}

const ARTICLE_ID = /^\d{1,18}$/;

/** The inbox preview line: the article's summary (its title when it has none). */
function preheader(article: Article): string {
  return (stripHashtagMarkers(article.summary ?? '').trim() || article.title).slice(0, 200);
}

/** The edition key of an article's alert: unique, so a double click or two editors make one alert. */
export function breakingKey(articleId: string): string {
  return `breaking/${articleId}`;
}

/**
 * Breaking news: one article sent now to every active reader whatever their frequency or topics. An alert is an
 * edition of kind `breaking` (frequency NULL), so it shares the ledger, the workers, pause/resume/cancel and the
 * exactly-once guarantee of digests; its key `breaking/<article id>` makes a second request for the same article
 * a no-op.
 */
@Injectable()
export class BreakingNews {
  private readonly logger = new Logger(BreakingNews.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly editions: EditionsService,
    private readonly renderer: EditionRenderer,
    private readonly clock: Clock,
  ) {}

  /** How many readers an alert sent now would reach (every active reader). */
  async audienceSize(): Promise<number> {
    const [{ n }]: Array<{ n: string }> = await this.dataSource.query(
      `SELECT count(*) AS n FROM subscribers WHERE status = 'active'`,
    );
    return Number(n);
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

  /** The alert edition already made for the article, or null. */
  async alertEditionId(articleId: string): Promise<string | null> {
    const edition = await this.dataSource.getRepository(Edition).findOneBy({ key: breakingKey(articleId) });
    return edition?.id ?? null;
  }

  async article(articleId: string): Promise<Article> {
    const article = ARTICLE_ID.test(articleId)
      ? await this.dataSource.getRepository(Article).findOneBy({ id: articleId })
      : null;
    if (!article) {
      throw new NotFoundException({ message: `Article ${articleId} does not exist` });
    }
    return article;
  }

  /**
   * Makes the article's alert edition and hands it to the delivery queue. Throws AlreadyAlertedException when
   * the article has had its alert (whatever became of it), NotFoundException for an unknown article.
   */
  async send(articleId: string, options: { subject?: string } = {}, triggeredBy = 'editor'): Promise<Edition> {
    const article = await this.article(articleId);
    const now = this.clock.now();
    const subject = options.subject?.trim() || this.renderer.breakingSubject(article);
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `INSERT INTO editions (key, kind, frequency, window_from, window_to, article_ids, subject, preheader, status,
                             triggered_by)
       VALUES ($1, 'breaking', NULL, $2, $2, $3, $4, $5, 'draft', $6)
       ON CONFLICT (key) DO NOTHING
       RETURNING id`,
      [breakingKey(article.id), now, [article.id], subject, preheader(article), triggeredBy],
    );
    if (rows.length === 0) {
      const existing = await this.dataSource.getRepository(Edition).findOneByOrFail({ key: breakingKey(article.id) });
      this.logger.log(`Breaking alert for article ${article.id} refused: edition #${existing.id} already has it`);
      throw new AlreadyAlertedException(existing.id);
    }
    const created = await this.dataSource.getRepository(Edition).findOneByOrFail({ id: rows[0].id });
    this.logger.log(`Breaking alert #${created.id} for article ${article.id} created by ${triggeredBy}`);
    return this.editions.handOff(created);
  }
}
