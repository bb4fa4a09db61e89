import { type DateStyle, formatMoment } from '../common/formatter';
import type { DeliveryProgress } from '../delivery/delivery-queue';
import { FAILURE_PAUSE_REASON_PREFIX } from '../digests/editions.repository';
import type { Edition, EditionStatus } from '../digests/edition.entity';

/** What the sending screen and the history show of an edition, in the newsroom's words. */

export const STATUS_LABELS: Record<EditionStatus, string> = {
  draft: 'مسودة',
  scheduled: 'مجدول',
  sending: 'قيد الإرسال',
  paused: 'متوقف مؤقتاً',
  sent: 'أُرسل',
  cancelled: 'أُلغي',
  skipped: 'لم يُرسل',
};

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

export const TYPE_LABELS: Record<EditionType, string> = {
  daily: 'النشرة اليومية',
  weekly: 'النشرة الأسبوعية',
  breaking: 'خبر عاجل',
};

export function editionType(e: Pick<Edition, 'kind' | 'frequency'>): EditionType {
  return e.kind === 'breaking' || e.frequency === null ? 'breaking' : e.frequency;
}

/** Why an edition stopped, in Arabic; the workers' own words (an SMTP error) stay beside it, untranslated. */
export function reasonText(reason: string | null): { text: string; detail: string | null } | null {
  if (!reason) {
    return null;
  }
  if (reason.startsWith(FAILURE_PAUSE_REASON_PREFIX)) {
    return {
      text: 'أُوقف الإرسال تلقائياً لأن نسبة الرسائل الفاشلة أو المرتدّة تجاوزت الحد المسموح. عالِج السبب ثم أعد محاولة الفاشلة واستأنف.',
      detail: reason,
    };
  }
  const known: Record<string, string> = {
    'paused by an editor': 'أوقفه محرر مؤقتاً.',
    'cancelled by an editor': 'ألغاه محرر.',
    'no new articles': 'لا مقالات جديدة منذ العدد السابق.',
    'no active readers': 'لا قرّاء مفعّلين لهذا العدد.',
  };
  return known[reason] ? { text: known[reason], detail: null } : { text: 'ملاحظة النظام:', detail: reason };
}

/** `45 ث`, `3 د`, `1 س 20 د`; a dash when there is no rate to go by. */
export function durationText(seconds: number | null): string {
  if (seconds === null) {
    return '—';
  }
  if (seconds < 60) {
    return `${Math.max(0, Math.round(seconds))} ث`;
  }
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) {
    return `${minutes} د`;
  }
  return `${Math.floor(minutes / 60)} س ${minutes % 60} د`;
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

/** `25 كانون الأول 2026، 14:05` in the site's date style, or '' without a date. */
export function whenText(date: Date | null, style: DateStyle): string {
  return formatMoment(date, style) ?? '';
}
