import { Injectable } from '@nestjs/common';
import { Locale } from '../common/locale';
import { AppConfig } from '../config/app-config';
import { GMAIL_BULK_PER_DAY, MAILBOX_PROVIDERS } from './mailbox-providers';
import { type ProviderCounts, ProviderCountsRepository } from './provider-counts.repository';

const WINDOW_DAYS = 30;
/** Gmail's advice: keep complaints under 0.1 %; at 0.3 % it stops mitigating. */
const COMPLAINT_WARN = 0.001;
const percent = new Intl.NumberFormat('en-US', {
  style: 'percent',
  maximumFractionDigits: 2,
  minimumFractionDigits: 2,
});

export type RateTone = 'ok' | 'warn' | 'error';

/** One provider's line: counts, and rates of its delivered. */
export interface ProviderRateRow extends ProviderCounts {
  label: string;
  complaintRate: string | null;
  hardBounceRate: string | null;
  softBounceRate: string | null;
  tone: RateTone;
}

export interface ProviderRates {
  rows: ProviderRateRow[];
  total: ProviderRateRow;
}

export interface GmailBulkStatus {
  /** Over 5,000 messages to Gmail in one day of the last 30: Gmail's bulk-sender rules apply. */
  bulk: boolean;
  limit: number;
  busiestDay: { day: string; delivered: number } | null;
}

/**
 * Complaint and bounce rates by mailbox provider, read from the kept counts (never counted over the ledger):
 * one edition's, and the last 30 days', with Gmail's bulk-sender status.
 */
@Injectable()
export class ProviderRateReport {
  constructor(
    private readonly counts: ProviderCountsRepository,
    private readonly locale: Locale,
    private readonly config: AppConfig,
  ) {}

  async ofEdition(editionId: string): Promise<ProviderRates> {
    return this.rates(await this.counts.ofEdition(editionId));
  }

  async lastDays(): Promise<ProviderRates & { days: number; gmail: GmailBulkStatus }> {
    const [counts, busiest] = await Promise.all([
      this.counts.overDays(WINDOW_DAYS),
      this.counts.busiestDay('gmail', WINDOW_DAYS),
    ]);
    return {
      ...this.rates(counts),
      days: WINDOW_DAYS,
      gmail: { bulk: (busiest?.delivered ?? 0) > GMAIL_BULK_PER_DAY, limit: GMAIL_BULK_PER_DAY, busiestDay: busiest },
    };
  }

  private rates(counts: ProviderCounts[]): ProviderRates {
    const order = (p: string) => MAILBOX_PROVIDERS.indexOf(p as never);
    const rows = counts
      .filter((c) => c.delivered + c.complaints + c.hardBounces + c.softBounces > 0)
      .sort((a, b) => order(a.provider) - order(b.provider))
      .map((c) => this.row(c, this.locale.t(`deliverability.providers.${c.provider}`)));
    const sum = (key: keyof Omit<ProviderCounts, 'provider'>) => counts.reduce((n, c) => n + c[key], 0);
    const total = this.row(
      {
        provider: 'all',
        delivered: sum('delivered'),
        complaints: sum('complaints'),
        hardBounces: sum('hardBounces'),
        softBounces: sum('softBounces'),
      },
      this.locale.t('deliverability.providers.all'),
    );
    return { rows, total };
  }

  private row(c: ProviderCounts, label: string): ProviderRateRow {
    const rate = (n: number) => (c.delivered > 0 ? percent.format(n / c.delivered) : null);
    const complaintShare = c.delivered > 0 ? c.complaints / c.delivered : 0;
    const limit = this.config.deliverability.complaintPausePermille / 1000;
    const tone: RateTone = complaintShare > limit ? 'error' : complaintShare > COMPLAINT_WARN ? 'warn' : 'ok';
    return {
      ...c,
      label,
      complaintRate: rate(c.complaints),
      hardBounceRate: rate(c.hardBounces),
      softBounceRate: rate(c.softBounces),
      tone,
    };
  }
}
