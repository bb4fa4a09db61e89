import { Injectable, Logger } from '@nestjs/common';
import type { Audience, EditionLifecycle, FailureReport, ReputationReport } from '../delivery/delivery-ports';
import { trimError } from '../delivery/send-outcome';
import { AudienceRepository } from '../subscribers/audience.repository';
import { NotFoundError } from '../common/domain-errors';
import { NewslettersRepository } from '../subscribers/newsletters.repository';
import { EditionsRepository, FAILURE_PAUSE_REASON_PREFIX, REPUTATION_PAUSE_REASON_PREFIX } from './editions.repository';

/**
 * Digests' side of the delivery ledger (delivery's EditionLifecycle port): which editions may send, who
 * their audience is, and what the ledger's facts do to an edition's status. Delivery never changes an
 * edition; it reports, and this decides.
 */
@Injectable()
export class DigestEditionLifecycle implements EditionLifecycle {
  private readonly logger = new Logger('EditionsService');

  constructor(
    private readonly editions: EditionsRepository,
    private readonly audiences: AudienceRepository,
    private readonly newsletters: NewslettersRepository,
  ) {}

  /**
   * A digest: every active reader subscribed to the edition's newsletter, segmented by the topics of its
   * articles. A breaking alert: every active reader subscribed to its alerts newsletter, whatever their topics.
   */
  async audienceOf(editionId: string): Promise<Audience> {
    const edition = await this.editions.find(editionId);
    if (!edition) {
      throw new NotFoundError(`Edition ${editionId} does not exist`);
    }
    const newsletterId = edition.newsletterId ?? (await this.newsletterOf(edition.kind, edition.frequency));
    if (edition.kind === 'breaking' || edition.frequency === null) {
      return this.audiences.forAlert(newsletterId);
    }
    const articles = await this.editions.articleTopics(edition.articleIds);
    return this.audiences.forEdition(newsletterId, articles);
  }

  /** An edition made without a newsletter (before they existed): the one its kind and frequency mean. */
  private async newsletterOf(kind: string, frequency: string | null): Promise<number> {
    const slug = kind === 'breaking' || frequency === null ? 'breaking' : frequency;
    const newsletter = await this.newsletters.findBySlug(slug);
    if (!newsletter) {
      throw new NotFoundError(`Newsletter ${slug} does not exist`);
    }
    return newsletter.id;
  }

  sendingEditions(): Promise<string[]> {
    return this.editions.idsWithStatus('sending');
  }

  cancelledEditions(): Promise<string[]> {
    return this.editions.idsWithStatus('cancelled');
  }

  /** sending → sent; an edition without any row only after a minute (an audience of nobody). */
  allRowsFinished(editionId: string, rows: number): Promise<boolean> {
    return this.editions.change(editionId, rows > 0 ? 'finish' : 'finishEmpty');
  }

  /** sending → paused, with the numbers and the last error for the editor who has to fix the cause. */
  failureRatePassed(editionId: string, report: FailureReport): Promise<boolean> {
    const reason =
      `${FAILURE_PAUSE_REASON_PREFIX} ${report.bad} of ${report.finished} finished deliveries failed or bounced ` +
      `(over the ${report.limitPercent}% limit). Last error: ${report.lastError ?? 'unknown'}. ` +
      `Fix the cause, then retry failed deliveries.`;
    return this.editions.change(editionId, 'autoPause', trimError(reason).slice(0, 300));
  }

  /** sending → paused, naming the cause and the mailbox provider; only an editor resumes it. */
  async reputationAtRisk(editionId: string, report: ReputationReport): Promise<boolean> {
    const what = report.cause === 'complaints' ? 'complaints' : `hard bounces at ${report.provider}`;
    const base = report.cause === 'complaints' ? 'delivered' : `finished at ${report.provider}`;
    const reason =
      `${REPUTATION_PAUSE_REASON_PREFIX} ${report.count} ${what} of ${report.of} ${base} (over the ${report.limit} limit)` +
      (report.cause === 'complaints' ? `, ${report.fromProvider} of them from ${report.provider}` : '') +
      `. Find the cause (list source, content, frequency), then resume.`;
    const paused = await this.editions.change(editionId, 'reputationPause', reason.slice(0, 300));
    if (paused) {
      this.logger.warn(`Edition #${editionId} paused: ${reason}`);
    }
    return paused;
  }

  /** sending → paused: the first message would fail DKIM at the receivers. */
  async selfCheckFailed(editionId: string, detail: string): Promise<boolean> {
    const reason =
      `${REPUTATION_PAUSE_REASON_PREFIX} the self-check of the first message failed (${detail}). ` +
      `Publish the DKIM record shown at /admin/deliverability, then resume.`;
    return this.editions.change(editionId, 'reputationPause', trimError(reason).slice(0, 300));
  }

  /** sent or automatically paused → sending again. */
  async failedRowsRequeued(editionId: string): Promise<void> {
    if (await this.editions.change(editionId, 'resend')) {
      this.logger.log(`Edition #${editionId}: failed deliveries queued again → sending`);
    }
  }
}
