import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidInputError, NotFoundError } from '../common/domain-errors';
import { topicKey } from './topics';

export interface TopicEntry {
  key: string;
  name: string;
  followable: boolean;
  hidden: boolean;
  articles: number;
}

const MAX_NAME_LENGTH = 80;

/**
 * Editors' handling of topics: list with article counts, rename the display name, hide from readers'
 * preferences, choose which topics readers may follow, and the articles' side of a merge. The key never
 * changes (articles and readers match on it); only the name readers see does.
 */
@Injectable()
export class TopicCatalog {
  private readonly logger = new Logger(TopicCatalog.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(): Promise<TopicEntry[]> {
    return (await this.dataSource.query(
      `SELECT t.key, t.name, t.followable, t.hidden, COALESCE(c.count, 0)::int AS articles
       FROM topics t
       LEFT JOIN (SELECT topic, count(*) AS count FROM articles, unnest(topics) AS topic GROUP BY topic) c
              ON c.topic = t.key
       ORDER BY COALESCE(c.count, 0) DESC, t.name`,
    )) as TopicEntry[];
  }

  /** Display names of the given keys (a key without a row is left out: show it through topicName). */
  async names(keys: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) {
      return new Map();
    }
    const rows = (await this.dataSource.query(`SELECT key, name FROM topics WHERE key = ANY($1::text[])`, [
      unique,
    ])) as { key: string; name: string }[];
    return new Map(rows.map((r) => [r.key, r.name]));
  }

  async find(key: string): Promise<TopicEntry | null> {
    const [row] = (await this.dataSource.query(
      `SELECT key, name, followable, hidden,
              (SELECT count(*)::int FROM articles WHERE topics @> ARRAY[$1]::text[]) AS articles
       FROM topics WHERE key = $1`,
      [key],
    )) as TopicEntry[];
    return row ?? null;
  }

  /** The key of a topic given as its key, any spelling of it (`#ديالى`), or its display name; null if none. */
  async resolve(keyOrName: string): Promise<string | null> {
    const [row] = (await this.dataSource.query(
      `SELECT key FROM topics WHERE key = $1 OR key = $2 OR name = $3 ORDER BY (key = $1) DESC, (key = $2) DESC LIMIT 1`,
      [keyOrName, topicKey(keyOrName), keyOrName.trim()],
    )) as Array<{ key: string }>;
    return row?.key ?? null;
  }

  /** Topics readers may pick on their preferences page: followable and not hidden. */
  async followable(): Promise<Array<{ key: string; name: string }>> {
    return (await this.dataSource.query(
      'SELECT key, name FROM topics WHERE followable AND NOT hidden ORDER BY name',
    )) as Array<{ key: string; name: string }>;
  }

  async rename(key: string, name: string): Promise<{ from: string; to: string }> {
    const clean = name.replace(/\s+/g, ' ').trim();
    if (!clean || clean.length > MAX_NAME_LENGTH || /[<>]/.test(clean)) {
      throw new InvalidInputError('errors.topicNameInvalid', { max: MAX_NAME_LENGTH });
    }
    const [[row]] = (await this.dataSource.query(
      `UPDATE topics t SET name = $2 FROM (SELECT key, name FROM topics WHERE key = $1) old
       WHERE t.key = old.key RETURNING old.name AS "from"`,
      [key, clean],
    )) as [Array<{ from: string }>, number];
    if (!row) {
      throw new NotFoundError('errors.topicNotFound', { key });
    }
    return { from: row.from, to: clean };
  }

  async setHidden(key: string, hidden: boolean): Promise<void> {
    const [, count] = (await this.dataSource.query('UPDATE topics SET hidden = $2 WHERE key = $1', [key, hidden])) as [
      unknown,
      number,
    ];
    if (!count) {
      throw new NotFoundError('errors.topicNotFound', { key });
    }
  }

  /** Exactly these topics may be followed; every other one may not. Returns how many are followable. */
  async setFollowable(keys: string[]): Promise<number> {
    await this.dataSource.query('UPDATE topics SET followable = (key = ANY($1::text[]))', [keys]);
    const [{ count }] = (await this.dataSource.query('SELECT count(*)::int AS count FROM topics WHERE followable')) as [
      { count: number },
    ];
    return count;
  }

  /**
   * The articles' side of merging topic `from` into `into`: articles tagged `from` carry `into` instead (once),
   * and `from` is deleted. Runs in the caller's transaction, beside the readers' side.
   */
  async mergeArticles(from: string, into: string, manager: EntityManager): Promise<number> {
    if (from === into) {
      throw new InvalidInputError('errors.topicMergeIntoItself', { key: from });
    }
    const found = (await manager.query('SELECT key FROM topics WHERE key = ANY($1::text[]) FOR UPDATE', [
      [from, into],
    ])) as Array<{ key: string }>;
    const missing = [from, into].find((key) => !found.some((row) => row.key === key));
    if (missing !== undefined) {
      throw new NotFoundError('errors.topicNotFound', { key: missing });
    }
    const [, articles] = (await manager.query(
      `UPDATE articles
       SET topics = CASE WHEN $2 = ANY(topics) THEN array_remove(topics, $1) ELSE array_replace(topics, $1, $2) END,
           updated_at = now()
       WHERE topics @> ARRAY[$1]::text[]`,
      [from, into],
    )) as [unknown, number];
    await manager.query('DELETE FROM topics WHERE key = $1', [from]);
    this.logger.log(`Topic ${from} merged into ${into}: ${articles} article(s) retagged`);
    return articles;
  }
}
