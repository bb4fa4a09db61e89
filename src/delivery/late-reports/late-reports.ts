import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { type LedgerEvents, type RecipientEvents, type ReportedRecipient, DeliveryPorts } from '../delivery-ports';
import type { LateReport } from './late-report';
import { LateReportLedger } from './late-report-ledger';

export interface LateReportOutcome {
  /** Readers the reports named (known addresses). */
  readers: number;
  /** Ledger rows marked `bounced`. */
  deliveries: number;
}

/**
 * Applies late reports, whatever brought them (a provider's webhook, the bounce mailbox): a hard bounce marks
 * the delivery `bounced` here and tells the readers' owner, which marks the reader `bounced`; a complaint marks
 * the reader `complained`; a soft bounce is counted by the readers' owner, and the one that reaches
 * SOFT_BOUNCE_LIMIT marks the delivery too.
 */
@Injectable()
export class LateReports {
  private readonly logger = new Logger(LateReports.name);

  constructor(
    private readonly ports: DeliveryPorts,
    private readonly ledger: LateReportLedger,
    private readonly config: AppConfig,
  ) {}

  private get recipients(): RecipientEvents {
    return this.ports.recipientEvents.get();
  }

  private get events(): LedgerEvents | undefined {
    return this.ports.ledgerEvents.find();
  }

  async applyAll(reports: LateReport[], source: string): Promise<LateReportOutcome> {
    const total: LateReportOutcome = { readers: 0, deliveries: 0 };
    for (const report of reports) {
      const outcome = await this.apply(report, source);
      total.readers += outcome.readers;
      total.deliveries += outcome.deliveries;
    }
    return total;
  }

  async apply(report: LateReport, source: string): Promise<LateReportOutcome> {
    const byAddress = report.email ? await this.applyTo({ email: report.email }, report, source) : null;
    if (byAddress && byAddress.readers > 0) {
      return byAddress;
    }
    // No address, or one no reader has: feedback loops redact the recipient (`redacted@their-domain`), but the
    // Message-ID we wrote still names the delivery, hence the reader.
    const subscriberId = report.messageId ? await this.ledger.recipientOf(report.messageId) : null;
    return subscriberId ? this.applyTo({ subscriberId }, report, source) : (byAddress ?? { readers: 0, deliveries: 0 });
  }

  private async applyTo(who: ReportedRecipient, report: LateReport, source: string): Promise<LateReportOutcome> {
    const outcome = await this.applyToReaders(who, report, source);
    if (outcome.named.length > 0) {
      await this.events?.lateReport(report.kind, outcome.named, report.messageId);
    }
    return { readers: outcome.readers, deliveries: outcome.deliveries };
  }

  private async applyToReaders(
    who: ReportedRecipient,
    report: LateReport,
    source: string,
  ): Promise<LateReportOutcome & { named: string[] }> {
    if (report.kind === 'complaint') {
      const readers = await this.recipients.reported(who, 'complained');
      return { readers: readers.length, deliveries: 0, named: readers };
    }
    if (report.kind === 'hard') {
      const readers = await this.recipients.reported(who, 'bounced');
      const deliveries =
        readers.length > 0
          ? await this.ledger.markLateBounce(readers, report.messageId, `late bounce reported by ${source}`)
          : 0;
      this.logger.log(
        `Late bounce (${source}): ${readers.length} reader(s), ${deliveries} delivery(ies) marked bounced`,
      );
      return { readers: readers.length, deliveries, named: readers };
    }
    const rule = { limit: this.config.bounces.softBounceLimit, windowDays: this.config.bounces.softBounceWindowDays };
    const counted = await this.recipients.softBounced(who, report.messageId, rule);
    const deliveries =
      counted.bounced.length > 0
        ? await this.ledger.markLateBounce(
            counted.bounced,
            report.messageId,
            `soft bounce ${rule.limit} in ${rule.windowDays} day(s), reported by ${source}`,
          )
        : 0;
    return { readers: counted.readers.length, deliveries, named: counted.readers };
  }
}
