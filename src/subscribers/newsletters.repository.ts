import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/domain-errors';
import { Newsletter } from './newsletter.entity';

/** The fields an editor (or the API) sets; the counts and times are the database's. */
export type NewsletterInput = Pick<
  Newsletter,
  | 'slug'
  | 'name'
  | 'description'
  | 'kind'
  | 'period'
  | 'scheduleCron'
  | 'topics'
  | 'maxArticles'
  | 'articleOrder'
  | 'senderName'
  | 'showOnForm'
  | 'defaultChecked'
  | 'status'
  | 'position'
>;

/** The slugs the migration made: the digests as they were, and the alerts every reader used to get. */
export const DEFAULT_ALERTS_SLUG = 'breaking';

/** Joins and departures per newsletter over the last $1 days: at most $1 kept rows each. */
export const GROWTH_SQL = `
  SELECT n.slug, sum(g.joined)::int AS joined, sum(g."left")::int AS left
    FROM newsletter_growth g JOIN newsletters n ON n.id = g.newsletter_id
   WHERE g.day > current_date - $1::int
   GROUP BY n.slug`;

const NEWSLETTER_ORDER = { position: 'ASC', id: 'ASC' } as const;

/** The newsletters table's SQL: what readers can subscribe to. Counts move only by trigger. */
@Injectable()
export class NewslettersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Every newsletter (archived ones too when asked), in their display order. */
  list(options: { archived?: boolean } = {}): Promise<Newsletter[]> {
    return this.dataSource.getRepository(Newsletter).find({
      where: options.archived ? {} : { status: 'active' },
      order: NEWSLETTER_ORDER,
    });
  }

  /** Active newsletters the footer form offers. */
  onForm(): Promise<Newsletter[]> {
    return this.dataSource
      .getRepository(Newsletter)
      .find({ where: { status: 'active', showOnForm: true }, order: NEWSLETTER_ORDER });
  }

  /** Active digest newsletters: the ones the scheduler runs. */
  digests(): Promise<Newsletter[]> {
    return this.dataSource
      .getRepository(Newsletter)
      .find({ where: { status: 'active', kind: 'digest' }, order: NEWSLETTER_ORDER });
  }

  findBySlug(slug: string, manager: EntityManager = this.dataSource.manager): Promise<Newsletter | null> {
    return manager.getRepository(Newsletter).findOneBy({ slug });
  }

  findById(id: number): Promise<Newsletter | null> {
    return this.dataSource.getRepository(Newsletter).findOneBy({ id });
  }

  async bySlugOrFail(slug: string, manager?: EntityManager): Promise<Newsletter> {
    const newsletter = await this.findBySlug(slug, manager);
    if (!newsletter) {
      throw new NotFoundError(`Newsletter ${slug} does not exist`);
    }
    return newsletter;
  }

  /**
   * Readers who joined and left each newsletter over the last `days` days (the kept `newsletter_growth` rows,
   * at most `days` per newsletter), by slug.
   */
  async growth(days: number): Promise<Map<string, { joined: number; left: number }>> {
    const rows: Array<{ slug: string; joined: number; left: number }> = await this.dataSource.query(GROWTH_SQL, [days]);
    return new Map(rows.map((r) => [r.slug, { joined: r.joined, left: r.left }]));
  }

  /** When any newsletter last changed: schedulers on other instances poll it. */
  async lastChange(): Promise<number> {
    const [row]: Array<{ at: Date | null; n: string }> = await this.dataSource.query(
      'SELECT max(updated_at) AS at, count(*) AS n FROM newsletters',
    );
    return (row.at?.getTime() ?? 0) + Number(row.n);
  }

  async create(input: NewsletterInput): Promise<Newsletter> {
    try {
      const rows: Array<{ id: number }> = await this.dataSource.query(
        `INSERT INTO newsletters (slug, name, description, kind, period, schedule_cron, topics, max_articles,
                                  article_order, sender_name, show_on_form, default_checked, status, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
        [
          input.slug,
          input.name,
          input.description,
          input.kind,
          input.period,
          input.scheduleCron,
          input.topics,
          input.maxArticles,
          input.articleOrder,
          input.senderName,
          input.showOnForm,
          input.defaultChecked,
          input.status,
          input.position,
        ],
      );
      return (await this.findById(rows[0].id))!;
    } catch (err) {
      throw uniqueSlug(err, input.slug);
    }
  }

  /** Changes the fields given; the slug stays (it is in every email already sent). */
  async update(slug: string, patch: Partial<Omit<NewsletterInput, 'slug' | 'kind'>>): Promise<Newsletter> {
    const current = await this.bySlugOrFail(slug);
    await this.dataSource.getRepository(Newsletter).update({ id: current.id }, { ...patch, updatedAt: new Date() });
    return (await this.findById(current.id))!;
  }
}

function uniqueSlug(err: unknown, slug: string): unknown {
  if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505') {
    return new ConflictError(`A newsletter with the slug ${slug} already exists`);
  }
  return err;
}
