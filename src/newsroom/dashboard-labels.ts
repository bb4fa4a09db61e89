import { localeRecord } from '../common/locale';
import type { Feed } from '../articles/feed.entity';
import type { EditionSummaryDto } from '../digests/dto/edition-views.dto';

/** Arabic names of readers' statuses. */
export const STATUS_LABELS: Record<string, string> = localeRecord('newsroom.labels.readerStatus');

const FREQUENCY_LABELS: Record<string, string> = localeRecord('newsroom.labels.frequencyShort');

const EDITION_TONES: Record<string, string> = {
  draft: '',
  scheduled: 'warn',
  sending: 'warn',
  paused: 'error',
  sent: 'ok',
  cancelled: 'error',
  skipped: '',
};
const EDITION_STATUS_LABELS = localeRecord('newsroom.labels.editionStatus');

const BREAKING_LABEL = localeRecord('newsroom.labels.frequency').breaking;
const FEED_HEALTH = localeRecord('newsroom.labels.feedHealth');

export function editionLabels(e: EditionSummaryDto) {
  const status = { label: EDITION_STATUS_LABELS[e.status] ?? e.status, tone: EDITION_TONES[e.status] ?? '' };
  return {
    ...e,
    // A breaking alert has no frequency.
    frequencyLabel: e.frequency ? (FREQUENCY_LABELS[e.frequency] ?? e.frequency) : BREAKING_LABEL,
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
      label: FEED_HEALTH[failing ? 'failing' : late ? 'late' : 'fine'],
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
      label: FEED_HEALTH.notPolled,
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
