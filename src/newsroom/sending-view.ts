import { localeRecord, localeText } from '../common/locale';
import { type DateStyle, formatMoment } from '../common/formatter';
import type { DeliveryProgress } from '../delivery/delivery-queue';
import { FAILURE_PAUSE_REASON_PREFIX, REPUTATION_PAUSE_REASON_PREFIX } from '../digests/editions.repository';
import type { Edition, EditionStatus } from '../digests/edition.entity';

/** What the sending screen and the history show of an edition, in the newsroom's words. */

export const STATUS_LABELS = localeRecord('newsroom.labels.editionStatus') as Record<EditionStatus, string>;

const STATUS_TONES: Record<EditionStatus, 'ok' | 'warn' | 'error' | ''> = {
  draft: '',
  scheduled: '',
  sending: 'warn',
  paused: 'error',
  sent: 'ok',
  cancelled: 'error',
  skipped: '',
};

/** The edition's type as the history filter names it: daily, weekly or breaking. */
export type EditionType = 'daily' | 'weekly' | 'breaking';

export const TYPE_LABELS = localeRecord('newsroom.labels.frequency') as Record<EditionType, string>;

export function editionType(e: Pick<Edition, 'kind' | 'frequency'>): EditionType {
  return e.kind === 'breaking' || e.frequency === null ? 'breaking' : e.frequency;
}

/** Why an edition stopped, in Arabic; the workers' own words (an SMTP error) stay beside it, untranslated. */
export function reasonText(reason: string | null): { text: string; detail: string | null } | null {
  if (!reason) {
    return null;
  }
  const reasons = localeRecord('newsroom.labels.reasons');
  if (reason.startsWith(FAILURE_PAUSE_REASON_PREFIX)) {
    return { text: reasons.autoPaused, detail: reason };
  }
  if (reason.startsWith(REPUTATION_PAUSE_REASON_PREFIX)) {
    return {
      text: 'أُوقف الإرسال تلقائياً حمايةً لسمعة النطاق: تجاوزت شكاوى القرّاء (أو ارتدادات أحد مزوّدي البريد) الحد. ابحث عن السبب (مصدر القائمة، المحتوى، وتيرة الإرسال) ثم استأنف بنفسك.',
      detail: reason,
    };
  }
  const known: Record<string, string> = {
    'paused by an editor': reasons.pausedByEditor,
    'cancelled by an editor': reasons.cancelledByEditor,
    'no new articles': reasons.noNewArticles,
    'no active readers': reasons.noActiveReaders,
  };
  return known[reason] ? { text: known[reason], detail: null } : { text: reasons.system, detail: reason };
}

/** Seconds, minutes, or hours and minutes, abbreviated (`newsroom.labels.duration`); a dash without a rate. */
export function durationText(seconds: number | null): string {
  if (seconds === null) {
    return '—';
  }
  if (seconds < 60) {
    return localeText('newsroom.labels.duration.seconds', { n: Math.max(0, Math.round(seconds)) });
  }
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) {
    return localeText('newsroom.labels.duration.minutes', { n: minutes });
  }
  return localeText('newsroom.labels.duration.hoursMinutes', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

export interface SendingView {
  id: string;
  status: EditionStatus;
  statusLabel: string;
  statusTone: string;
  reason: { text: string; detail: string | null } | null;
  total: number;
  sent: number;
  failed: number;
  bounced: number;
  skipped: number;
  remaining: number;
  /** Share of the ledger that is finished (anything but queued/sending), 0–100, whole numbers. */
  percent: number;
  rate: string;
  eta: string;
  /** Nothing more will change on its own: the screen stops polling. */
  settled: boolean;
  canPause: boolean;
  canResume: boolean;
  canCancel: boolean;
  canRetry: boolean;
}

const SETTLED: EditionStatus[] = ['sent', 'cancelled', 'skipped'];

export function sendingView(
  edition: Pick<Edition, 'id' | 'status' | 'statusReason'>,
  p: DeliveryProgress,
): SendingView {
  const done = p.total - p.remaining;
  const settled = SETTLED.includes(edition.status) && p.remaining === 0;
  const percent = p.total === 0 ? (settled ? 100 : 0) : Math.floor((done * 100) / p.total);
  return {
    id: edition.id,
    status: edition.status,
    statusLabel: STATUS_LABELS[edition.status],
    statusTone: STATUS_TONES[edition.status],
    reason: reasonText(edition.statusReason),
    total: p.total,
    sent: p.counts.sent,
    failed: p.counts.failed,
    bounced: p.counts.bounced,
    skipped: p.counts.skipped,
    remaining: p.remaining,
    percent,
    rate: p.ratePerSecond.toLocaleString('en-US'),
    eta: p.remaining === 0 ? '—' : durationText(p.etaSeconds),
    settled,
    canPause: edition.status === 'sending',
    canResume: edition.status === 'paused',
    canCancel: ['draft', 'scheduled', 'sending', 'paused'].includes(edition.status),
    canRetry: p.counts.failed > 0,
  };
}

/** Day, month, year and time (`formatMoment`) in the site's date style, or '' without a date. */
export function whenText(date: Date | null, style: DateStyle): string {
  return formatMoment(date, style) ?? '';
}
