import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { isBigintId } from '../common/bigint-id';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { Article } from './article.entity';
import { IncomingArticle, PreparedArticle, prepareArticle } from './incoming-article';
import { cleanSpelling, recordSpellings } from './topic-spellings';
import { Topic } from './topic.entity';
import { errorMessage } from '../common/error-message';

export type UpsertOutcome = 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';

export interface UpsertItemResult {
  outcome: UpsertOutcome;
  id?: string;
  url?: string;
  reason?: string;
}

export interface UpsertSummary {
  seen: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  items: UpsertItemResult[];
}

export interface ArticlePage {
  articles: Article[];
  /** Pass as `before` to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Stores articles from feeds and the push API through one path: clean each item, then insert it or update the
 * article with the same guid or URL. Idempotent: the same item twice changes nothing; an edited item updates
 * title, summary, body, topics and source_updated_at, but never its published_at, so an edit never moves an
 * article into a later digest.
 */
@Injectable()
export class ArticlesService {
  private readonly logger = new Logger(ArticlesService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** `source` is the feed URL, or `push`; `baseUrl` resolves relative links (the feed's site). */
  async upsertMany(items: IncomingArticle[], source: string, baseUrl?: string): Promise<UpsertSummary> {
    const summary: UpsertSummary = {
      seen: items.length,
      created: 0,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0,
      items: [],
    };
    const seenKeys = new Set<string>();
    for (const item of items) {
      const result = await this.upsertOne(item, source, baseUrl, seenKeys);
      summary[result.outcome] += 1;
      summary.items.push(result);
    }
    return summary;
  }

  private async upsertOne(
    item: IncomingArticle,
    source: string,
    baseUrl: string | undefined,
    seenKeys: Set<string>,
  ): Promise<UpsertItemResult> {
    const now = this.clock.now();
    const prepared = prepareArticle(item, { now, summaryMaxLength: this.config.feeds.summaryMaxLength, baseUrl });
    if ('skipped' in prepared) {
      this.logger.warn(`${source}: item skipped (${prepared.skipped})`);
      return { outcome: 'skipped', reason: prepared.skipped };
    }
    const { article, notes } = prepared;
    // A feed listing the same item twice (same guid or link) is one article, taken from its first listing.
    const keys = [`url:${article.url}`, ...(article.guid ? [`guid:${article.guid}`] : [])];
    if (keys.some((k) => seenKeys.has(k))) {
      this.logger.warn(`${source}: duplicate item skipped (${article.guid ?? article.url})`);
      return { outcome: 'skipped', url: article.url, reason: 'duplicate in the same batch' };
    }
    keys.forEach((k) => seenKeys.add(k));
    if (notes.length > 0) {
      this.logger.warn(`${source}: ${article.url}: ${notes.join('; ')}`);
    }
    try {
      return await this.dataSource.transaction((manager) => this.write(manager, article, source, now));
    } catch (err) {
      this.logger.error(`${source}: could not store ${article.url}: ${errorMessage(err)}`);
      return { outcome: 'failed', url: article.url, reason: storeFailureReason(err) };
    }
  }

  private async write(
    manager: EntityManager,
    article: PreparedArticle,
    source: string,
    now: Date,
  ): Promise<UpsertItemResult> {
    const topicKeys = article.topics.map((t) => t.key);
    if (article.topics.length > 0) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(Topic)
        .values(article.topics.map((t) => ({ key: t.key, name: cleanSpelling(t.name) })))
        .orIgnore()
        .execute();
    }
    // ON CONFLICT DO NOTHING covers both unique keys (url and guid); a conflict means the article exists.
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO articles (url, guid, title, summary, body_html, author, image_url, published_at,
                             source_updated_at, topics, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [
        article.url,
        article.guid,
        article.title,
        article.summary,
        article.bodyHtml,
        article.author,
        article.imageUrl,
        article.publishedAt,
        article.sourceUpdatedAt,
        topicKeys,
        source,
      ],
    );
    if (inserted.length > 0) {
      await recordSpellings(manager, article.topics);
      return { outcome: 'created', id: inserted[0].id, url: article.url };
    }

    // The guid identifies an item even when its link changed; the URL otherwise.
    const existing: Array<Record<string, any>> = await manager.query(
      `SELECT id, url, guid, title, summary, body_html, author, image_url, topics, source_updated_at
         FROM articles
        WHERE ($1::text IS NOT NULL AND guid = $1) OR url = $2
        ORDER BY (guid IS NOT DISTINCT FROM $1) DESC
        LIMIT 1
          FOR UPDATE`,
      [article.guid, article.url],
    );
    if (existing.length === 0) {
      throw new Error('conflicting article vanished');
    }
    const row = existing[0];
    const url = row.url === article.url || !(await this.urlTaken(manager, article.url, row.id)) ? article.url : row.url;
    const guid = row.guid ?? article.guid;
    const changed =
      row.url !== url ||
      row.guid !== guid ||
      row.title !== article.title ||
      row.summary !== article.summary ||
      row.body_html !== article.bodyHtml ||
      row.author !== article.author ||
      row.image_url !== article.imageUrl ||
      !sameList(row.topics as string[], topicKeys) ||
      (article.sourceUpdatedAt != null && row.source_updated_at?.getTime() !== article.sourceUpdatedAt.getTime());
    if (!changed) {
      return { outcome: 'unchanged', id: row.id, url };
    }
    await manager.query(
      `UPDATE articles
          SET url = $2, guid = $3, title = $4, summary = $5, body_html = $6, author = $7, image_url = $8,
              topics = $9, source_updated_at = $10, updated_at = now()
        WHERE id = $1`,
      [
        row.id,
        url,
        guid,
        article.title,
        article.summary,
        article.bodyHtml,
        article.author,
        article.imageUrl,
        topicKeys,
        article.sourceUpdatedAt ?? now,
      ],
    );
    return { outcome: 'updated', id: row.id, url };
  }

  private async urlTaken(manager: EntityManager, url: string, exceptId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query('SELECT 1 FROM articles WHERE url = $1 AND id <> $2', [url, exceptId]);
    return rows.length > 0;
  }

  /** Newest first by (published_at, id), keyset-paged. `before` is a cursor from a previous page. */
  async list(limit: number, before?: string): Promise<ArticlePage> {
    const qb = this.dataSource
      .getRepository(Article)
      .createQueryBuilder('a')
      .orderBy('a.published_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (before) {
      const cursor = decodeCursor(before);
      qb.where('(a.published_at, a.id) < (:publishedAt, :id)', cursor);
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { articles: page, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  /** Display names of the given topic keys. */
  async topicNames(keys: string[]): Promise<Map<string, string>> {
    if (keys.length === 0) {
      return new Map();
    }
    const topics = await this.dataSource
      .getRepository(Topic)
      .createQueryBuilder('t')
      .where('t.key = ANY(:keys)', { keys })
      .getMany();
    return new Map(topics.map((t) => [t.key, t.name]));
  }
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class InvalidCursorError extends Error {}

/** Why the database refused an article, in words a CMS operator can act on (never the SQL). */
function storeFailureReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === '22021' || code === '22P05') {
    return 'a field holds a NUL byte or text that is not valid UTF-8';
  }
  if (typeof code === 'string' && code.startsWith('22')) {
    return 'a field holds a value out of range or not valid';
  }
  return 'database error';
}

function encodeCursor(article: Article): string {
  return Buffer.from(`${article.publishedAt.toISOString()}|${article.id}`).toString('base64url');
}

/**
 * A cursor is base64url of "<ISO time>|<id>", exactly as encodeCursor writes it. Anything else, an id
 * outside bigint range or a time outside what PostgreSQL stores (4-digit years only, as toISOString
 * writes them for every date an article can have), is refused before it reaches a query.
 */
function decodeCursor(cursor: string): { publishedAt: Date; id: string } {
  const invalid = new InvalidCursorError('before is not a cursor from a previous page');
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) {
    throw invalid;
  }
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const [iso, id] = parts;
  if (parts.length !== 2 || !isBigintId(id) || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(iso)) {
    throw invalid;
  }
  const publishedAt = new Date(iso);
  if (Number.isNaN(publishedAt.getTime()) || publishedAt.toISOString() !== iso) {
    throw invalid;
  }
  return { publishedAt, id };
}
