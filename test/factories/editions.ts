import type { DataSource } from 'typeorm';
import type { Article } from '../../src/articles/article.entity';
import { Edition } from '../../src/digests/edition.entity';
import type { EditionStatus } from '../../src/digests/edition.entity';
import type { Frequency } from '../../src/subscribers/subscriber.entity';
import { insertArticle, SEED_ARTICLE_LINK, seedArticleHashtags, seedArticleParagraphs } from './articles';
import type { ArticleSeed } from './articles';

export const SEED_ARTICLE_TITLE = 'تحذيرات من عودة داعش إلى المناطق المتنازع عليها في العراق';

/**
 * The real seed article as a stored article. The summary is its second paragraph WITH its `#` markers, as a
 * careless source might send it: the digest must still never show a `#` to readers.
 */
export function insertSeedArticle(dataSource: DataSource, seed: ArticleSeed = {}): Promise<Article> {
  return insertArticle(dataSource, {
    title: SEED_ARTICLE_TITLE,
    url: SEED_ARTICLE_LINK,
    summary: seedArticleParagraphs()[1],
    imageUrl: 'https://www.example.net/wp-content/uploads/2020/05/isis.jpg',
    topics: seedArticleHashtags().slice(0, 4),
    ...seed,
  });
}

export interface EditionSeed {
  frequency?: Frequency;
  key?: string;
  articleIds: string[];
  status?: EditionStatus;
  subject?: string;
  windowFrom?: Date | string;
  windowTo?: Date | string;
  triggeredBy?: string;
}

let sequence = 0;

/** Inserts an edition row directly (no assembly, no hand-off), e.g. to give the renderer something to compile. */
export async function insertEdition(dataSource: DataSource, seed: EditionSeed): Promise<Edition> {
  sequence += 1;
  const windowTo = new Date(seed.windowTo ?? '2026-11-24T04:00:00Z');
  const windowFrom = new Date(seed.windowFrom ?? windowTo.getTime() - 24 * 3600 * 1000);
  const rows: { id: string }[] = await dataSource.query(
    `INSERT INTO editions (key, frequency, window_from, window_to, article_ids, subject, status, triggered_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      seed.key ?? `test:${Date.now()}-${sequence}`,
      seed.frequency ?? 'daily',
      windowFrom,
      windowTo,
      seed.articleIds,
      seed.subject ?? '',
      seed.status ?? 'draft',
      seed.triggeredBy ?? 'test',
    ],
  );
  return dataSource.getRepository(Edition).findOneByOrFail({ id: rows[0].id });
}

/** Whitespace collapsed, so checks on the text part do not depend on where html-to-text wrapped lines. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ');
}
