import type { DeliveryProgress } from '../delivery/delivery-queue';
import { durationText, editionType, reasonText, sendingView } from './sending-view';

function progress(
  counts: Partial<DeliveryProgress['counts']>,
  extra: Partial<DeliveryProgress> = {},
): DeliveryProgress {
  const full = { queued: 0, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0, ...counts };
  const total = Object.values(full).reduce((a, b) => a + b, 0);
  return {
    counts: full,
    total,
    remaining: full.queued + full.sending,
    ratePerSecond: 0,
    etaSeconds: null,
    lastSentAt: null,
    transport: { reachable: true, since: null, nextTryAt: null, lastError: null },
    ...extra,
  };
}

describe('sendingView', () => {
  it('counts every finished row, failures included, towards the bar', () => {
    const v = sendingView(
      { id: '7', status: 'sending', statusReason: null },
      progress(
        { sent: 50, failed: 5, bounced: 3, skipped: 2, queued: 30, sending: 10 },
        { ratePerSecond: 12.5, etaSeconds: 4 },
      ),
    );
    expect(v).toMatchObject({ percent: 60, remaining: 40, rate: '12.5', eta: '4 ث', settled: false });
    expect(v).toMatchObject({ canPause: true, canResume: false, canCancel: true, canRetry: true });
  });

  it('reaches 100 and settles only once the edition is finished and nothing remains', () => {
    expect(sendingView({ id: '1', status: 'sent', statusReason: null }, progress({ sent: 3 }))).toMatchObject({
      percent: 100,
      settled: true,
      canCancel: false,
    });
    // The workers have not marked it sent yet: keep watching.
    expect(sendingView({ id: '1', status: 'sending', statusReason: null }, progress({ sent: 3 })).settled).toBe(false);
    expect(sendingView({ id: '1', status: 'sent', statusReason: null }, progress({})).percent).toBe(100);
    expect(sendingView({ id: '1', status: 'sending', statusReason: null }, progress({})).percent).toBe(0);
  });

  it('a paused edition offers resume, not pause, and is never settled', () => {
    const v = sendingView({ id: '1', status: 'paused', statusReason: 'paused by an editor' }, progress({ queued: 4 }));
    expect(v).toMatchObject({ canPause: false, canResume: true, settled: false, statusLabel: 'متوقف مؤقتاً' });
    expect(v.reason?.text).toBe('أوقفه محرر مؤقتاً.');
  });
});

describe('reasonText', () => {
  it('explains an automatic pause in Arabic and keeps the workers’ words beside it', () => {
    const raw = 'Paused automatically: 30 of 40 finished deliveries failed or bounced (over the 20% limit).';
    expect(reasonText(raw)).toEqual({ text: expect.stringContaining('تلقائياً'), detail: raw });
    expect(reasonText(null)).toBeNull();
    expect(reasonText('something new')).toEqual({ text: 'ملاحظة النظام:', detail: 'something new' });
  });
});

describe('durationText and editionType', () => {
  it('speaks seconds, minutes and hours', () => {
    expect(durationText(null)).toBe('—');
    expect(durationText(45)).toBe('45 ث');
    expect(durationText(150)).toBe('3 د');
    expect(durationText(4800)).toBe('1 س 20 د');
  });

  it('names an alert by its kind, a digest by its frequency', () => {
    expect(editionType({ kind: 'breaking', frequency: null })).toBe('breaking');
    expect(editionType({ kind: 'digest', frequency: 'weekly' })).toBe('weekly');
  });
});
