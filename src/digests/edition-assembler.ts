import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Article } from '../articles/article.entity';
import type { Frequency } from '../common/frequency';
import { DigestSettingsService } from './digest-settings.service';
import { periodMs } from './edition-calendar';
import { EditionPlanRepository } from './edition-plan.repository';
import { applyEditorialDecisions } from './editorial-plan';
import { byMostRead, WeeklyReadership } from './weekly-readership';
import type { Newsletter } from '../subscribers/newsletter.entity';
import { NewslettersRepository } from '../subscribers/newsletters.repository';
import { NotFoundError } from '../common/domain-errors';

/** The articles an edition would carry, before anything is saved. */
export interface EditionPlan {
  /** The newsletter's period (daily or weekly). */
  frequency: Frequency;
  newsletterId: number;
  /** The newsletter's slug: its edition keys and its editors' plan (edition_plans) go by it. */
  slug: string;
  /** The newsletter's Arabic name (for the default subject of newsletters other than the two standard digests). */
  newsletterName: string;
  windowFrom: Date;
  windowTo: Date;
  /** In the order they appear in the email. */
  articles: Article[];
  /** Articles of the window beyond DIGEST_MAX_ARTICLES. */
  leftOut: Article[];
  /** Dropped by an editor on the Next digest screen (recorded as left out, so not proposed again). */
  dropped?: Article[];
  /** The editor's plan for this edition (edition_plans) was applied: the edition consumes it. */
  planned?: boolean;
  subject?: string | null;
  preheader?: string | null;
  editorNote?: string | null;
}

// Editions whose articles reached (or are reaching) readers. Cancelled editions release their articles to the
// next edition; skipped ones never had any.
const CARRYING_STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'sent'];

/**
 * Chooses an edition's articles: published after the previous edition of the same newsletter closed its window
 * (one period back for the very first), up to now, and not already carried by another live edition of the
 * newsletter, and (for a topic newsletter) carrying one of its topics. An article that arrived late (published inside the previous window, fetched after that edition was
 * made) is still taken, because the search reaches back over the previous window too; carried and left-out ids
 * keep that from repeating anything. At most the articles per digest in the order of the digest settings (Settings screen, else
 * DIGEST_MAX_ARTICLES and DIGEST_ORDER), after the editor's plan for the edition (dropped, arranged, lead); the rest are recorded as left
 * out (a digest is a selection: pushing them into the next edition would fill it with stale news).
 */
@Injectable()
export class EditionAssembler {
  constructor(
    private readonly settings: DigestSettingsService,
    private readonly editorialPlans: EditionPlanRepository,
    private readonly readership: WeeklyReadership,
    private readonly newsletters: NewslettersRepository,
  ) {}

  /** The digest newsletter of a slug (`daily`, `weekly`, …); NotFoundError when there is none. */
  async newsletter(manager: EntityManager, slug: string): Promise<Newsletter> {
    const newsletter = await this.newsletters.findBySlug(slug, manager);
    if (!newsletter || newsletter.kind !== 'digest') {
      throw new NotFoundError(`Digest newsletter ${slug} does not exist`);
    }
    return newsletter;
  }

  async plan(manager: EntityManager, slug: string, now: Date): Promise<EditionPlan> {
    const newsletter = await this.newsletter(manager, slug);
    const frequency = newsletter.period ?? 'daily';
    const { windowFrom, lookBackFrom } = await this.window(manager, newsletter, now);
    const settings = await this.settings.current(manager);
    const order = newsletter.articleOrder ?? settings.order;
    const direction = order === 'oldest' ? 'ASC' : 'DESC';
    // A topic newsletter carries only articles with one of its topics.
    const rows: { id: string }[] = await manager.query(
      `SELECT a.id FROM articles a
        WHERE a.published_at > $1 AND a.published_at <= $2
          AND (cardinality($5::text[]) = 0 OR a.topics && $5::text[])
          AND NOT EXISTS (
            SELECT 1 FROM editions e
             WHERE e.newsletter_id = $3 AND e.status = ANY($4)
               AND (a.id = ANY(e.article_ids) OR a.id = ANY(e.left_out_article_ids)))
        ORDER BY a.published_at ${direction}, a.id ${direction}`,
      [lookBackFrom, now, newsletter.id, CARRYING_STATUSES, newsletter.topics],
    );
    const ids = rows.map((r) => r.id);
    let articles = await this.load(manager, ids);
    if (frequency === 'weekly') {
      // WEEKLY_ORDER=most-read: the week's most-clicked stories first (newest first among equals).
      const recent = [...articles].sort(
        (a, b) => b.publishedAt.getTime() - a.publishedAt.getTime() || Number(BigInt(b.id) - BigInt(a.id)),
      );
      const readers = await this.readership.readersByArticle(manager, windowFrom, now);
      const ordered = byMostRead(recent, readers);
      if (ordered !== recent) {
        articles = ordered;
      }
    }
    // The editor's plan for the next edition (Next digest screen), when there is one.
    const plan = await this.editorialPlans.find(slug, manager);
    const selection = applyEditorialDecisions(articles, plan, newsletter.maxArticles ?? settings.maxArticles);
    return {
      frequency,
      ...this.identity(newsletter),
      windowFrom,
      windowTo: now,
      ...selection,
      planned: plan !== null,
      subject: plan?.subject ?? null,
      preheader: plan?.preheader ?? null,
      editorNote: plan?.editorNote ?? null,
    };
  }

  /** Given articles, in the given order; throws with the ids that do not exist. */
  async chosen(manager: EntityManager, slug: string, now: Date, ids: string[]): Promise<EditionPlan> {
    const newsletter = await this.newsletter(manager, slug);
    const articles = await this.load(manager, ids);
    const missing = ids.filter((id) => !articles.some((a) => a.id === id));
    if (missing.length > 0) {
      throw new UnknownArticlesError(missing);
    }
    const { windowFrom } = await this.window(manager, newsletter, now);
    const frequency = newsletter.period ?? 'daily';
    return { frequency, ...this.identity(newsletter), windowFrom, windowTo: now, articles, leftOut: [] };
  }

  private identity(newsletter: Newsletter): Pick<EditionPlan, 'newsletterId' | 'slug' | 'newsletterName'> {
    return { newsletterId: newsletter.id, slug: newsletter.slug, newsletterName: newsletter.name };
  }

  private async window(
    manager: EntityManager,
    newsletter: Newsletter,
    now: Date,
  ): Promise<{ windowFrom: Date; lookBackFrom: Date }> {
    const previous: { window_from: Date; window_to: Date }[] = await manager.query(
      `SELECT window_from, window_to FROM editions
        WHERE newsletter_id = $1 AND status <> 'cancelled' AND window_to <= $2
        ORDER BY window_to DESC, id DESC LIMIT 1`,
      [newsletter.id, now],
    );
    if (previous.length === 0) {
      const start = new Date(now.getTime() - periodMs(newsletter.period ?? 'daily'));
      return { windowFrom: start, lookBackFrom: start };
    }
    return { windowFrom: previous[0].window_to, lookBackFrom: previous[0].window_from };
  }

  private async load(manager: EntityManager, ids: string[]): Promise<Article[]> {
    if (ids.length === 0) {
      return [];
    }
    const rows = await manager
      .getRepository(Article)
      .createQueryBuilder('a')
      .where('a.id IN (:...ids)', { ids })
      .getMany();
    const byId = new Map(rows.map((a) => [a.id, a]));
    return ids.map((id) => byId.get(id)).filter((a): a is Article => a !== undefined);
  }
}

export class UnknownArticlesError extends Error {
  constructor(readonly ids: string[]) {
    super(`Unknown article ids: ${ids.join(', ')}`);
  }
}
