import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { READER_PLACEHOLDERS } from '../../src/common/reader-placeholders';

/** Rows for delivery suites, inserted with SQL so an audience of thousands costs one statement. */

const seedPath = join(__dirname, '../../../shared/seed-article.txt');
/** The real Arabic article the team tests with (a short stand-in when the shared folder is absent). */
export const SEED_ARTICLE = existsSync(seedPath)
  ? readFileSync(seedPath, 'utf8')
  : 'يبدو أن #داعش بدأ يشكل خطراً حتمياً لا يستهان به في #العراق، بخاصة مع كثرة هجماته في الآونة الأخيرة.\n';

export interface ReaderOptions {
  count: number;
  /** Address of reader i (1-based); default `reader<i>@example.org` with a prefix. */
  prefix?: string;
  domain?: string;
  frequency?: 'daily' | 'weekly';
  topics?: string[];
  status?: string;
}

/** Inserts `count` readers and returns their ids and addresses in insertion order. */
export async function insertReaders(
  ds: DataSource,
  options: ReaderOptions,
): Promise<Array<{ id: string; email: string }>> {
  const prefix = options.prefix ?? 'reader';
  const domain = options.domain ?? 'example.org';
  const rows: Array<{ id: string; email: string }> = await ds.query(
    `INSERT INTO subscribers (email, email_key, status, frequency, topics, confirmed_at)
     SELECT $1 || i || '@' || $2, lower($1 || i || '@' || $2), $3, $4, $5::text[], now()
     FROM generate_series(1, $6::int) AS i
     ORDER BY i
     RETURNING id, email`,
    [prefix, domain, options.status ?? 'active', options.frequency ?? 'daily', options.topics ?? [], options.count],
  );
  return rows.map((r) => ({ id: String(r.id), email: r.email }));
}

export async function insertReader(
  ds: DataSource,
  email: string,
  extra: { frequency?: string; topics?: string[]; status?: string } = {},
): Promise<string> {
  const rows: Array<{ id: string }> = await ds.query(
    `INSERT INTO subscribers (email, email_key, status, frequency, topics) VALUES ($1, lower($1), $2, $3, $4::text[])
     RETURNING id`,
    [email, extra.status ?? 'active', extra.frequency ?? 'daily', extra.topics ?? []],
  );
  return String(rows[0].id);
}

let articleSeq = 0;
export async function insertArticle(ds: DataSource, topics: string[], title = 'مقال'): Promise<string> {
  articleSeq++;
  const rows: Array<{ id: string }> = await ds.query(
    `INSERT INTO articles (url, title, summary, published_at, topics, source)
     VALUES ($1, $2, $3, now(), $4::text[], 'push') RETURNING id`,
    [`https://www.example.net/a/${Date.now()}-${articleSeq}`, title, SEED_ARTICLE.slice(0, 200), topics],
  );
  return String(rows[0].id);
}

let editionSeq = 0;
export async function insertEdition(
  ds: DataSource,
  options: { frequency?: string; articleIds?: string[]; status?: string; subject?: string } = {},
): Promise<string> {
  editionSeq++;
  const rows: Array<{ id: string }> = await ds.query(
    `INSERT INTO editions (key, frequency, window_from, window_to, article_ids, subject, status, sending_started_at)
     VALUES ($1, $2, now() - interval '1 day', now(), $3::bigint[], $4, $5,
             CASE WHEN $5 = 'sending' THEN now() END)
     RETURNING id`,
    [
      `${options.frequency ?? 'daily'}:test-${Date.now()}-${editionSeq}`,
      options.frequency ?? 'daily',
      options.articleIds ?? [],
      options.subject ?? 'نشرة الحل نت اليومية: صلاح الدين',
      options.status ?? 'draft',
    ],
  );
  return String(rows[0].id);
}

/** A compiled render like the digests module stores, with the reader placeholders in html and text. */
export function sampleRender(subject = 'نشرة الحل نت اليومية: صلاح الدين'): {
  subject: string;
  html: string;
  text: string;
} {
  const body = SEED_ARTICLE.split('\n')
    .filter((l) => l.trim())
    .map((p) => `<p style="margin:0 0 12px">${p}</p>`)
    .join('\n');
  const html =
    `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>${subject}</title></head>` +
    `<body><div dir="rtl"><h1>${subject}</h1>\n${body}\n` +
    `<p><a href="${READER_PLACEHOLDERS.preferencesUrl}">تعديل التفضيلات</a> · ` +
    `<a href="${READER_PLACEHOLDERS.unsubscribeUrl}">إلغاء الاشتراك</a></p></div></body></html>`;
  const text =
    `${subject}\n\n${SEED_ARTICLE.trim()}\n\n` +
    `تعديل التفضيلات: ${READER_PLACEHOLDERS.preferencesUrl}\nإلغاء الاشتراك: ${READER_PLACEHOLDERS.unsubscribeUrl}\n`;
  return { subject, html, text };
}

export async function insertRender(
  ds: DataSource,
  editionId: string,
  segmentKey = 'all',
  render = sampleRender(),
): Promise<void> {
  await ds.query(
    `INSERT INTO edition_renders (edition_id, segment_key, article_ids, subject, html, text)
     VALUES ($1, $2, '{}', $3, $4, $5)`,
    [editionId, segmentKey, render.subject, render.html, render.text],
  );
}

export async function setEditionStatus(ds: DataSource, editionId: string, status: string): Promise<void> {
  await ds.query(`UPDATE editions SET status = $2, updated_at = now() WHERE id = $1`, [editionId, status]);
}

export async function ledger(
  ds: DataSource,
  editionId: string,
): Promise<
  Array<{ subscriber_id: string; status: string; segment_key: string; attempts: number; last_error: string | null }>
> {
  return ds.query(
    `SELECT subscriber_id::text, status, segment_key, attempts, last_error FROM deliveries WHERE edition_id = $1
     ORDER BY subscriber_id`,
    [editionId],
  );
}

export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}: last value ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
