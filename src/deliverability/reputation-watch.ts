import { Injectable, Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { AppConfig } from '../config/app-config';
import { FAILURE_PAUSE_MIN_SAMPLE } from '../delivery/delivery-batch';
import {
  type EditionLifecycle,
  type LedgerEvents,
  type ReputationReport,
  DeliveryPorts,
} from '../delivery/delivery-ports';
import { DeliveryQueue } from '../delivery/delivery-queue';
import { providerName } from './mailbox-providers';
import { type ProviderCounts, ProviderCountsRepository, type ReportKind } from './provider-counts.repository';
import { SelfCheck } from './self-check';

/** Complaint rates are judged from this many delivered on (below it, one complaint is noise, not a rate). */
export const COMPLAINT_MIN_DELIVERED = 200;
/** Complaints needed before any pause: one complaint is never a rate. */
export const COMPLAINT_MIN_COUNT = 2;

/**
 * Watches what the ledger records (delivery's LedgerEvents port): keeps the counts by mailbox provider, and
 * when an edition's complaints pass COMPLAINT_PAUSE_PERMILLE of its delivered (from 200 delivered, or on a
 * smaller send from its 2nd complaint), or one provider's hard bounces pass DELIVERY_FAILURE_PAUSE_PERCENT of
 * that provider's finished, tells the editions' owner, which pauses it. Resuming is an editor's decision: the
 * same numbers do not pause it again, only new complaints or bounces.
 */
@Injectable()
export class ReputationWatch implements LedgerEvents {
  private readonly logger = new Logger(ReputationWatch.name);

  constructor(
    private readonly ports: DeliveryPorts,
    private readonly counts: ProviderCountsRepository,
    private readonly config: AppConfig,
    private readonly queue: DeliveryQueue,
    private readonly selfCheck: SelfCheck,
  ) {}

  private get lifecycle(): EditionLifecycle {
    return this.ports.editionLifecycle.get();
  }

  // Watching must never stop sending or a webhook's answer: a failure here is logged, and the ledger goes on.
  async writtenBack(results: ReadonlyArray<{ id: string; editionId: string; status: string }>): Promise<void> {
    try {
      await this.judge(await this.counts.recordWriteBack(results));
      // The first messages an edition sends are the moment to verify them as a receiver will.
      await this.selfCheck.firstMessagesOf([
        ...new Set(results.filter((r) => r.status === 'sent').map((r) => r.editionId)),
      ]);
    } catch (err) {
      this.logger.warn(`Counts by mailbox provider not updated: ${errorMessage(err)}`);
    }
  }

  async lateReport(kind: ReportKind, subscriberIds: string[], messageId: string | null): Promise<void> {
    try {
      await this.judge(await this.counts.recordReport(kind, subscriberIds, messageId));
    } catch (err) {
      this.logger.warn(`Counts by mailbox provider not updated: ${errorMessage(err)}`);
    }
  }

  private async judge(editionIds: string[]): Promise<void> {
    for (const editionId of editionIds) {
      const byProvider = await this.counts.ofEdition(editionId);
      const events = byProvider.reduce((n, c) => n + c.complaints + c.hardBounces, 0);
      if (events === 0) {
        continue;
      }
      const pausedAt = await this.counts.eventsAtPause(editionId);
      if (pausedAt !== null && events <= pausedAt) {
        continue; // an editor resumed after these very numbers paused it
      }
      const report = (await this.complaintsPassed(editionId, byProvider)) ?? this.hardBouncesPassed(byProvider);
      if (report && (await this.lifecycle.reputationAtRisk(editionId, report))) {
        await this.counts.rememberPause(editionId, events);
      }
    }
  }

  private async complaintsPassed(editionId: string, byProvider: ProviderCounts[]): Promise<ReputationReport | null> {
    const permille = this.config.deliverability.complaintPausePermille;
    const complaints = byProvider.reduce((n, c) => n + c.complaints, 0);
    const delivered = byProvider.reduce((n, c) => n + c.delivered, 0);
    if (complaints < COMPLAINT_MIN_COUNT || complaints * 1000 <= permille * delivered) {
      return null;
    }
    if (delivered < COMPLAINT_MIN_DELIVERED) {
      // Only a send smaller than 200 in all is judged before 200 delivered.
      const counts = await this.queue.countsByStatus(editionId);
      const audience = Object.values(counts).reduce((a, b) => a + b, 0) - counts.skipped;
      if (audience >= COMPLAINT_MIN_DELIVERED) {
        return null;
      }
    }
    const top = [...byProvider].sort((a, b) => b.complaints - a.complaints)[0];
    return {
      cause: 'complaints',
      provider: providerName(top.provider),
      count: complaints,
      of: delivered,
      limit: `${permille}‰`,
      fromProvider: top.complaints,
    };
  }

  private hardBouncesPassed(byProvider: ProviderCounts[]): ReputationReport | null {
    const percent = this.config.delivery.failurePausePercent;
    // Past the threshold as a whole, the edition is delivery's failure pause (which says the SMTP error, and
    // resumes when failed rows are retried); this rule is for one provider refusing while the rest accept.
    const hard = byProvider.reduce((n, c) => n + c.hardBounces, 0);
    const finished = byProvider.reduce((n, c) => n + c.delivered + c.hardBounces, 0);
    if (hard * 100 > percent * finished) {
      return null;
    }
    for (const c of [...byProvider].sort((a, b) => b.hardBounces - a.hardBounces)) {
      const atProvider = c.delivered + c.hardBounces;
      if (atProvider >= FAILURE_PAUSE_MIN_SAMPLE && c.hardBounces * 100 > percent * atProvider) {
        return {
          cause: 'hard-bounces',
          provider: providerName(c.provider),
          count: c.hardBounces,
          of: atProvider,
          limit: `${percent}%`,
          fromProvider: c.hardBounces,
        };
      }
    }
    return null;
  }
}
