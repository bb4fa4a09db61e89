import type { DataSource } from 'typeorm';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { insertArticle } from '../factories/articles';
import { insertEdition } from '../factories/editions';
import type { TestApp } from '../helpers/test-app';
import { waitFor } from '../helpers/wait-for';
import type { ReceivedMessage } from '../helpers/smtp-sink';

/** Articles of our own, with the URL shapes sites use (a query string, a fragment). */
export async function insertStories(ds: DataSource, urls: string[], topics: string[] = ['العراق']): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, url] of urls.entries()) {
    const article = await insertArticle(ds, {
      title: `قصة رقم ${i + 1} عن الشتاء في مخيمات الشمال`,
      url,
      topics,
      publishedAt: new Date(Date.now() - (i + 1) * 60_000),
    });
    ids.push(article.id);
  }
  return ids;
}

/** A daily edition of these articles, queued for every active reader and sent; its id. */
export async function sendEdition(
  t: TestApp,
  articleIds: string[],
  options: { windowTo?: Date; frequency?: 'daily' | 'weekly'; timeoutMs?: number } = {},
): Promise<string> {
  const ds = t.dataSource;
  const windowTo = options.windowTo ?? new Date();
  const edition = await insertEdition(ds, {
    frequency: options.frequency ?? 'daily',
    articleIds,
    windowTo,
    windowFrom: new Date(windowTo.getTime() - 24 * 3600 * 1000),
  });
  await t.get(DeliveryQueue).queueEdition(edition.id);
  // What the digests module does when sending starts (the stats' 48 hours count from here).
  await ds.query(`UPDATE editions SET status = 'sending', sending_started_at = now() WHERE id = $1`, [edition.id]);
  await waitFor(
    async () => (await ds.query(`SELECT status FROM editions WHERE id = $1`, [edition.id]))[0].status,
    (s) => s === 'sent',
    options.timeoutMs ?? 60_000,
    'edition sent',
  );
  return edition.id;
}

/** Every link (href) of a received message's HTML (or a page), in document order, entities decoded. */
export function hrefs(message: ReceivedMessage | string): string[] {
  const html = typeof message === 'string' ? message : (message.parsed.html as string);
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => decodeEntities(m[1]));
}

/** What a browser reads from an attribute: `&amp;` and numeric references (Handlebars writes `=` as `&#x3D;`). */
function decodeEntities(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&amp;/g, '&');
}

/** The distinct click links (/r/…) of a message, in order. */
export function clickLinks(message: ReceivedMessage): string[] {
  return [...new Set(hrefs(message).filter((h) => /\/r\/[A-Za-z0-9_-]+$/.test(h)))];
}

/** Follows a link without following the redirect: status and Location. */
export async function follow(url: string): Promise<{ status: number; location: string | null; body: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
}

export async function clickCount(ds: DataSource, editionId?: string): Promise<number> {
  const [row] = await ds.query(
    `SELECT count(*)::int AS n FROM clicks ${editionId ? 'WHERE edition_id = $1' : ''}`,
    editionId ? [editionId] : [],
  );
  return row.n;
}
