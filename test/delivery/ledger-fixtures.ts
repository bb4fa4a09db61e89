import type { DataSource } from 'typeorm';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import type { EditionStatus } from '../../src/digests/edition.entity';
import type { Frequency } from '../../src/common/frequency';
import { fixtureArticleText, insertArticle as insertArticleRow } from '../factories/articles';
import { FIXTURE_EDITION_SUBJECT } from '../factories/deliveries';
import { insertEdition as insertEditionRow } from '../factories/editions';
import { insertRender } from '../factories/deliveries';
import { insertReaders } from '../factories/readers';
import type { TestApp } from '../helpers/test-app';
import { waitFor } from '../helpers/wait-for';

/**
 * The delivery suites' short forms over test/factories (which build all test data): ids instead of entities,
 * an edition windowed on the last day. New suites can import test/factories directly.
 */

export { insertReader, insertReaders } from '../factories/readers';
export type { ReaderOptions } from '../factories/readers';
export { insertRender, ledger, sampleRender, setEditionStatus } from '../factories/deliveries';
export { waitFor } from '../helpers/wait-for';

/** The fixture article's text (test/fixtures/article-ar.txt). */
export const FIXTURE_ARTICLE = fixtureArticleText();
/** @deprecated the seed article used to be read from outside the repository; this is the fixture article. */
export const SEED_ARTICLE = FIXTURE_ARTICLE;

/** An article on the given topic keys, published now, its summary the fixture article's opening; its id. */
export async function insertArticle(ds: DataSource, topics: string[], title = 'مقال'): Promise<string> {
  const article = await insertArticleRow(ds, {
    topics,
    title,
    summary: FIXTURE_ARTICLE.slice(0, 200),
    guid: null,
    bodyHtml: null,
  });
  return article.id;
}

/** An edition over the last day (draft unless told; `sending` gets its start time); its id. */
export async function insertEdition(
  ds: DataSource,
  options: { frequency?: string; articleIds?: string[]; status?: string; subject?: string } = {},
): Promise<string> {
  const now = new Date();
  const edition = await insertEditionRow(ds, {
    frequency: (options.frequency ?? 'daily') as Frequency,
    articleIds: options.articleIds ?? [],
    status: (options.status ?? 'draft') as EditionStatus,
    subject: options.subject ?? FIXTURE_EDITION_SUBJECT,
    windowFrom: new Date(now.getTime() - 24 * 3600 * 1000),
    windowTo: now,
  });
  return edition.id;
}

/** `readers` new active readers and an edition rendered and queued for them, as the worker suites start. */
export async function queueTestEdition(t: TestApp, readers: number, prefix: string) {
  const list = await insertReaders(t.dataSource, { count: readers, prefix });
  const edition = await insertEdition(t.dataSource);
  await insertRender(t.dataSource, edition);
  await t.get(DeliveryQueue).queueEdition(edition);
  return { list, edition };
}

/** Waits until the edition's status is `sent` (every ledger row finished). */
export async function waitForEditionSent(t: TestApp, edition: string, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => (await t.dataSource.query(`SELECT status FROM editions WHERE id = $1`, [edition]))[0].status,
    (s) => s === 'sent',
    timeoutMs,
    'edition sent',
  );
}
