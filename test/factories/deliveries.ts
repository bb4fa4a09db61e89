import type { DataSource } from 'typeorm';
import { READER_PLACEHOLDERS } from '../../src/common/reader-placeholders';
import { fixtureArticleText } from './articles';
import { waitFor } from '../helpers/wait-for';

export const FIXTURE_EDITION_SUBJECT = 'نشرة الحل نت اليومية: أزمة المياه في الحسكة';

/**
 * A compiled render like the digests module stores: the fixture article's paragraphs, with the reader
 * placeholders in html and text.
 */
export function sampleRender(subject = FIXTURE_EDITION_SUBJECT): { subject: string; html: string; text: string } {
  const article = fixtureArticleText();
  const body = article
    .split('\n')
    .filter((l) => l.trim())
    .map((p) => `<p style="margin:0 0 12px">${p}</p>`)
    .join('\n');
  const html =
    `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>${subject}</title></head>` +
    `<body><div dir="rtl"><h1>${subject}</h1>\n${body}\n` +
    `<p><a href="${READER_PLACEHOLDERS.preferencesUrl}">تعديل التفضيلات</a> · ` +
    `<a href="${READER_PLACEHOLDERS.unsubscribeUrl}">إلغاء الاشتراك</a></p></div></body></html>`;
  const text =
    `${subject}\n\n${article.trim()}\n\n` +
    `تعديل التفضيلات: ${READER_PLACEHOLDERS.preferencesUrl}\nإلغاء الاشتراك: ${READER_PLACEHOLDERS.unsubscribeUrl}\n`;
  return { subject, html, text };
}

/** Stores a render for (edition, segment), as if the digests module had compiled it. */
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

/** Moves an edition to a status directly (a test's shortcut past the digests module's transitions). */
export async function setEditionStatus(ds: DataSource, editionId: string, status: string): Promise<void> {
  await ds.query(`UPDATE editions SET status = $2, updated_at = now() WHERE id = $1`, [editionId, status]);
}

/** The delivery ledger of one edition, one row per reader in id order. */
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

export interface EditionState {
  status: string;
  reason: string | null;
}

/** An edition's status and why it stopped (status_reason), as the newsroom shows them. */
export async function editionState(ds: DataSource, editionId: string): Promise<EditionState> {
  const rows: EditionState[] = await ds.query(`SELECT status, status_reason AS reason FROM editions WHERE id = $1`, [
    editionId,
  ]);
  return rows[0];
}

/** Waits until the edition is no longer sending (sent, paused, …) and returns its state. */
export function waitForEditionToStop(
  ds: DataSource,
  editionId: string,
  timeoutMs: number,
  what = 'edition stopped',
): Promise<EditionState> {
  return waitFor(
    () => editionState(ds, editionId),
    (e) => e.status !== 'sending',
    timeoutMs,
    what,
  );
}
