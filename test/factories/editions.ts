import type { DataSource } from 'typeorm';
import type { Article } from '../../src/articles/article.entity';
import { Edition } from '../../src/digests/edition.entity';
import type { EditionStatus } from '../../src/digests/edition.entity';
import type { Frequency } from '../../src/common/frequency';
import {
  FIXTURE_ARTICLE_IMAGE,
  FIXTURE_ARTICLE_LINK,
  FIXTURE_ARTICLE_TITLE,
  fixtureArticleHashtags,
  fixtureArticleParagraphs,
  insertArticle,
} from './articles';
import type { ArticleSeed } from './articles';

/**
 * The fixture article (test/fixtures/article-ar.txt) as a stored article. The summary is its second paragraph
 * WITH its `#` markers, as a careless source might send it: the digest must still never show a `#` to readers.
 * Topics: its first four hashtags (الحسكة, محطة_علوك, أزمة_المياه, غويران).
 */
export function insertFixtureArticle(dataSource: DataSource, seed: ArticleSeed = {}): Promise<Article> {
  return insertArticle(dataSource, {
    title: FIXTURE_ARTICLE_TITLE,
    url: FIXTURE_ARTICLE_LINK,
    summary: fixtureArticleParagraphs()[1],
    imageUrl: FIXTURE_ARTICLE_IMAGE,
    topics: fixtureArticleHashtags().slice(0, 4),
    ...seed,
  });
}

/** @deprecated old names (the seed article used to live outside the repository): use the fixture names. */
export const insertSeedArticle = insertFixtureArticle;
/** @deprecated */
export const SEED_ARTICLE_TITLE = FIXTURE_ARTICLE_TITLE;
export { FIXTURE_ARTICLE_TITLE };

export interface EditionSeed {
  frequency?: Frequency;
  key?: string;
  articleIds?: string[];
  status?: EditionStatus;
  subject?: string;
  windowFrom?: Date | string;
  windowTo?: Date | string;
  triggeredBy?: string;
}

let sequence = 0;

/**
 * Inserts an edition row directly (no assembly, no hand-off), e.g. to give the renderer something to compile or
 * the delivery worker something to send. An edition inserted as `sending` gets its sending_started_at.
 */
export async function insertEdition(dataSource: DataSource, seed: EditionSeed): Promise<Edition> {
  sequence += 1;
  const windowTo = new Date(seed.windowTo ?? '2026-11-24T04:00:00Z');
  const windowFrom = new Date(seed.windowFrom ?? windowTo.getTime() - 24 * 3600 * 1000);
  const rows: { id: string }[] = await dataSource.query(
    `INSERT INTO editions (key, frequency, window_from, window_to, article_ids, subject, status, triggered_by,
                           sending_started_at, newsletter_id)
     VALUES ($1, $2, $3, $4, $5::bigint[], $6, $7, $8, CASE WHEN $7 = 'sending' THEN now() END,
             (SELECT id FROM newsletters WHERE slug = $2)) RETURNING id`,
    [
      seed.key ?? `${seed.frequency ?? 'daily'}:test-${Date.now()}-${sequence}`,
      seed.frequency ?? 'daily',
      windowFrom,
      windowTo,
      seed.articleIds ?? [],
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
