import { hasControlChars } from '../../common/no-control-chars';
import { normaliseEmail } from '../email-address';
import type { EmailAddress } from '../email-address';
import type { Frequency } from '../subscriber.entity';

/** Which tool wrote the file, guessed from its header; decides how consent evidence is read. */
export type ImportFormat = 'mailchimp' | 'listmonk' | 'substack' | 'plain';

/** Where the interesting columns are in one file. */
export interface ColumnMap {
  format: ImportFormat;
  /** False for a bare `email[,frequency]` list without a header line. */
  hasHeader: boolean;
  columns: number;
  email: number;
  frequency: number | null;
  /** Mailchimp CONFIRM_TIME (set only once the reader confirmed double opt-in). */
  confirmTime: number | null;
  /** Mailchimp OPTIN_TIME, kept as evidence, never enough alone. */
  optinTime: number | null;
  /** listmonk `status` / `subscription_status`. */
  status: number | null;
  /** A `newsletters` column: the slugs each reader subscribes to (`daily;breaking`). */
  newsletters: number | null;
}

/** One data row, read: a mailable address and what the file says about it, or why the row is refused. */
export type ImportRow =
  | {
      ok: true;
      address: EmailAddress;
      frequency: Frequency | null;
      /** The file proves a confirmed double opt-in (Mailchimp CONFIRM_TIME, listmonk `confirmed`). */
      confirmedAt: string | null;
      optinAt: string | null;
      /** The source tool says never mail this address (listmonk blocklisted/unsubscribed). */
      refusedBySource: boolean;
      /** The row's newsletter slugs (a `newsletters` column), sorted; empty: the import's choice. */
      newsletters: string[];
    }
  | { ok: false; reason: string };

const EMAIL_HEADERS = [
  'email address',
  'email',
  'e-mail',
  'email_address',
  'e-mail address',
  'mail',
  'البريد الإلكتروني',
  'البريد',
];
const FREQUENCY_HEADERS = ['frequency', 'التكرار'];
const NEWSLETTERS_HEADERS = ['newsletters', 'newsletter', 'النشرات', 'النشرة'];
/** A newsletter's slug (as migration Newsletters checks it). */
const SLUG = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** Slugs in one cell: separated by `;`, `|`, a comma (Latin or Arabic) or spaces. */
const SLUG_SEPARATORS = /[\s,;|\u060c]+/;
const FREQUENCIES: Record<string, Frequency> = {
  daily: 'daily',
  weekly: 'weekly',
  يومي: 'daily',
  يومية: 'daily',
  يومياً: 'daily',
  أسبوعي: 'weekly',
  أسبوعية: 'weekly',
  أسبوعياً: 'weekly',
};

const clean = (cell: string | undefined): string => (cell ?? '').trim();
const header = (cell: string): string => clean(cell).toLowerCase().replace(/\s+/g, ' ');

/**
 * Finds the email column (by header name, case-insensitive) and the tool that wrote the file. A first line
 * whose first cell is itself an address is data: a bare `email[,frequency]` list. Null when neither fits.
 */
export function detectColumns(first: string[]): ColumnMap | null {
  const names = first.map(header);
  const find = (candidates: string[]): number | null => {
    for (const candidate of candidates) {
      const at = names.indexOf(candidate);
      if (at >= 0) {
        return at;
      }
    }
    return null;
  };
  const email = find(EMAIL_HEADERS);
  if (email === null) {
    if (normaliseEmail(clean(first[0]))) {
      return {
        format: 'plain',
        hasHeader: false,
        columns: Math.max(first.length, 1),
        email: 0,
        frequency: first.length > 1 ? 1 : null,
        confirmTime: null,
        optinTime: null,
        status: null,
        newsletters: null,
      };
    }
    return null;
  }
  const has = (name: string) => names.includes(name);
  const format: ImportFormat =
    has('confirm_time') || has('optin_time') || names[email] === 'email address'
      ? 'mailchimp'
      : has('active_subscription')
        ? 'substack'
        : has('attributes') || has('subscription_status')
          ? 'listmonk'
          : 'plain';
  return {
    format,
    hasHeader: true,
    columns: first.length,
    email,
    frequency: find(FREQUENCY_HEADERS),
    confirmTime: find(['confirm_time']),
    optinTime: find(['optin_time']),
    status: format === 'listmonk' ? find(['subscription_status', 'status']) : null,
    newsletters: find(NEWSLETTERS_HEADERS),
  };
}

/** Reads one data record with the file's column map; never throws. */
export function readRow(record: string[], map: ColumnMap): ImportRow {
  // NUL and other control characters: PostgreSQL refuses NUL in text and in jsonb (\u0000), and no address,
  // date or status holds one. The row is bad; the cell itself is never echoed.
  if (record.some((cell) => hasControlChars(cell, true))) {
    return { ok: false, reason: 'محارف تحكّم (مثل NUL) في إحدى الخانات' };
  }
  if (map.hasHeader ? record.length !== map.columns : record.length > 2) {
    return { ok: false, reason: `عدد الأعمدة ${record.length} والمتوقع ${map.hasHeader ? map.columns : '1 أو 2'}` };
  }
  const address = normaliseEmail(clean(record[map.email]));
  if (!address) {
    return { ok: false, reason: 'عنوان بريد غير صالح' };
  }
  let frequency: Frequency | null = null;
  const rawFrequency = map.frequency === null ? '' : clean(record[map.frequency]);
  if (rawFrequency) {
    frequency = FREQUENCIES[rawFrequency.toLowerCase()] ?? null;
    if (!frequency) {
      return {
        ok: false,
        reason: `تكرار غير معروف: ${Array.from(rawFrequency).slice(0, 20).join('')} (daily أو weekly)`,
      };
    }
  }
  const slugs = map.newsletters === null ? [] : clean(record[map.newsletters]).toLowerCase().split(SLUG_SEPARATORS);
  const newsletters = [...new Set(slugs.filter(Boolean))].sort();
  const badSlug = newsletters.find((slug) => !SLUG.test(slug));
  if (badSlug !== undefined) {
    return { ok: false, reason: `معرّف نشرة غير صالح: ${Array.from(badSlug).slice(0, 40).join('')}` };
  }
  const status = map.status === null ? '' : clean(record[map.status]).toLowerCase();
  const confirmTime = map.confirmTime === null ? '' : clean(record[map.confirmTime]);
  const optinTime = map.optinTime === null ? '' : clean(record[map.optinTime]);
  return {
    ok: true,
    address,
    frequency,
    confirmedAt: confirmTime || (status === 'confirmed' ? 'listmonk: confirmed' : null),
    optinAt: optinTime || null,
    refusedBySource: status === 'blocklisted' || status === 'unsubscribed',
    newsletters,
  };
}
