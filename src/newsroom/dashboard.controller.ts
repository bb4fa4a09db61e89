import { Controller, Get, Redirect, Req, Res } from '@nestjs/common';
import { ApiExcludeController, ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { FeedPoller } from '../articles/feed-poller';
import { AuditLog } from '../auth/audit-log';
import { EditorAccounts } from '../auth/editor-accounts';
import { firstRunSteps } from './first-run';
import { auditRow } from './newsroom-labels';
import { NewsroomPage } from '../auth/newsroom-page';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { EditionStats } from '../digests/edition-stats';
import { topicsView } from './engagement-view';
import { TransportHealth } from '../delivery/transport-health';
import { ProviderRateReport } from '../deliverability/provider-rates';
import { EditionOverview } from '../digests/edition-overview';
import { ReaderStats } from '../subscribers/reader-stats';
import { NO_READERS, NewsletterReaderCounts } from '../subscribers/newsletter-reader-counts';
import { NewslettersRepository } from '../subscribers/newsletters.repository';
import { editionLabels, feedHealth, STATUS_LABELS } from './dashboard-labels';
import { dateStyleOf, formatMoment } from '../common/formatter';
import { NewsroomView } from './newsroom-view';
import { Public, RequirePermission } from '../auth/require-permission';

const CHART_DAYS = 30;

/** `/` belongs to editors (readers arrive through links and the embedded form): it opens the newsroom. */
@ApiExcludeController()
@Controller()
@Public()
export class RootController {
  @Get()
  @ApiExcludeEndpoint()
  @Redirect('/admin', 302)
  root(): void {}
}

/** The dashboard: readers, the next editions, feeds' health, the last editions and the audit log. */
@Controller('admin')
@NewsroomPage()
@RequirePermission('newsroom.use')
export class DashboardController {
  constructor(
    private readonly view: NewsroomView,
    private readonly audit: AuditLog,
    private readonly readers: ReaderStats,
    private readonly editions: EditionOverview,
    private readonly feeds: FeedPoller,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly transport: TransportHealth,
    private readonly engagement: EditionStats,
    private readonly providerRates: ProviderRateReport,
    private readonly accounts: EditorAccounts,
    private readonly newsletters: NewslettersRepository,
    private readonly newsletterReaders: NewsletterReaderCounts,
  ) {}

  @Get()
  async dashboard(@Req() req: Request, @Res() res: Response): Promise<void> {
    const now = this.clock.now();
    const [counts, days, recent, polled, audit, smtp, topics, providers, editors, newsletters, readers] =
      await Promise.all([
        this.readers.counts(),
        this.readers.perDay(CHART_DAYS, this.config.publication.timeZone, now),
        this.editions.recent(8),
        this.feeds.status(),
        this.audit.recent(20),
        this.transport.state(),
        this.engagement.byTopic(),
        this.providerRates.lastDays(),
        this.accounts.count(),
        this.newsletters.list(),
        // Kept per newsletter and state by the subscriptions' triggers: a few hundred rows, never a count of readers.
        this.newsletterReaders.byNewsletter(),
      ]);
    const statuses = Object.entries(counts.byStatus).map(([status, n]) => ({ label: STATUS_LABELS[status], n }));
    await this.view.page(req, res, 'dashboard', {
      counts,
      statuses,
      newsletters: newsletters.map((n) => ({
        slug: n.slug,
        name: n.name,
        active: (readers.get(n.id) ?? NO_READERS).active,
      })),
      chart: {
        labels: days.map((d) => `${d.day.slice(8, 10)}/${d.day.slice(5, 7)}`),
        signups: days.map((d) => d.signups),
        unsubscribes: days.map((d) => d.unsubscribes),
      },
      totals: {
        signups: days.reduce((sum, d) => sum + d.signups, 0),
        unsubscribes: days.reduce((sum, d) => sum + d.unsubscribes, 0),
      },
      next: this.editions
        .nextEditions(now)
        .map((e) => ({ ...e, label: this.view.t(`newsroom.labels.nextEdition.${e.frequency}`) })),
      timeZone: this.config.publication.timeZone,
      feeds: feedHealth(polled, this.config.feedUrls, this.config.feeds.pollIntervalSeconds, now),
      editions: recent.map(editionLabels),
      audit: audit.map((entry) => auditRow(entry, this.view)),
      firstRun: firstRunSteps({
        feeds: polled.length + this.config.feedUrls.length,
        readers: counts.total,
        editors,
        editionsOrTests: recent.length + audit.filter((a) => a.action === 'next-digest.test').length,
      }),
      engagementTopics: topicsView(topics),
      providers,
      gmail: providers.gmail,
      // "SMTP unreachable since …": sending is paused for every edition until the server answers again.
      smtp: smtp.reachable
        ? null
        : {
            since: formatMoment(smtp.since, dateStyleOf(this.config.publication)),
            nextTry: formatMoment(smtp.nextTryAt, dateStyleOf(this.config.publication)),
            error: smtp.lastError,
          },
    });
  }
}
