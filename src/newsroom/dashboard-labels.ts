import type { Feed } from '../articles/feed.entity';
import type { EditionSummaryDto } from '../digests/dto/edition-views.dto';

/** Arabic names of readers' statuses. */
export const STATUS_LABELS: Record<string, string> = {
  active: 'نشط',
  pending: 'بانتظار التأكيد',
  unsubscribed: 'ألغى الاشتراك',
  bounced: 'بريد مرتد',
  complained: 'أبلغ عن إزعاج',
};

const FREQUENCY_LABELS: Record<string, string> = { daily: 'يومي', weekly: 'أسبوعي', breaking: 'عاجل' };

const EDITION_STATUS: Record<string, { label: string; tone: string }> = {
  draft: { label: 'مسودة', tone: '' },
  scheduled: { label: 'مجدول', tone: 'warn' },
  sending: { label: 'يُرسل الآن', tone: 'warn' },
  paused: { label: 'متوقف مؤقتًا', tone: 'error' },
  sent: { label: 'أُرسل', tone: 'ok' },
  cancelled: { label: 'أُلغي', tone: 'error' },
  skipped: { label: 'لم يُرسل', tone: '' },
};

export function editionLabels(e: EditionSummaryDto) {
  const status = EDITION_STATUS[e.status] ?? { label: e.status, tone: '' };
  return {
    ...e,
    frequencyLabel: FREQUENCY_LABELS[e.frequency] ?? e.frequency,
    statusLabel: status.label,
    statusTone: status.tone,
    at: e.sentAt ?? e.sendingStartedAt ?? e.createdAt,
  };
}

export interface FeedHealthRow {
  url: string;
  label: string;
  tone: 'ok' | 'warn' | 'error' | '';
  lastSuccessAt: Date | null;
  lastPolledAt: Date | null;
  consecutiveFailures: number;
  lastError: string | null;
  itemsCreated: number;
}

/**
 * Each feed's health: failing (its last poll failed), late (no success for three poll intervals), fine, or
 * not polled yet (configured, never reached). Feeds still in FEED_URLS come first.
 */
export function feedHealth(polled: Feed[], configured: string[], intervalSeconds: number, now: Date): FeedHealthRow[] {
  const rows: FeedHealthRow[] = polled.map((f) => {
    const late = !f.lastSuccessAt || now.getTime() - f.lastSuccessAt.getTime() > 3 * intervalSeconds * 1000;
    const failing = f.lastStatus === 'error';
    return {
      url: f.url,
      label: failing ? 'يفشل' : late ? 'متأخر' : 'سليم',
      tone: failing ? 'error' : late ? 'warn' : 'ok',
      lastSuccessAt: f.lastSuccessAt,
      lastPolledAt: f.lastPolledAt,
      consecutiveFailures: f.consecutiveFailures,
      lastError: f.lastError,
      itemsCreated: f.itemsCreated,
    };
  });
  const known = new Set(polled.map((f) => f.url));
  for (const url of configured.filter((u) => !known.has(u))) {
    rows.push({
      url,
      label: 'لم يُجلب بعد',
      tone: '',
      lastSuccessAt: null,
      lastPolledAt: null,
      consecutiveFailures: 0,
      lastError: null,
      itemsCreated: 0,
    });
  }
  return rows.sort((a, b) => Number(configured.includes(b.url)) - Number(configured.includes(a.url)));
}
