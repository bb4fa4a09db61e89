import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock';
import { errorMessage } from '../common/error-message';
import { DomainChecks, DomainReport } from './domain-checks';

/** How long a report stands before a plain GET looks again (DNS records change rarely; `?refresh=1` forces it). */
const REPORT_TTL_MS = 60 * 60 * 1000;

/**
 * Whether MAIL_FROM's domain is ready to send: the DomainChecks report, cached. The checks run once at start-up
 * in the background (a warning in the log per failing check; start-up never waits for DNS) and again on demand.
 */
@Injectable()
export class DomainReadiness implements OnApplicationBootstrap {
  private readonly logger = new Logger(DomainReadiness.name);
  private current?: { report: Promise<DomainReport>; at: number };

  constructor(
    private readonly checks: DomainChecks,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.report(true)
      .then((report) => {
        for (const check of report.checks.filter((c) => c.status === 'fail')) {
          this.logger.warn(
            `Deliverability: ${check.name} fails for ${report.domain}: ${check.detail} ${check.fix ?? ''}`,
          );
        }
      })
      .catch((err) => this.logger.warn(`Deliverability checks could not run: ${errorMessage(err)}`));
  }

  /** The last report, or a fresh one when asked (`refresh`), when none was made, or when it is over an hour old. */
  report(refresh = false): Promise<DomainReport> {
    const now = this.clock.now().getTime();
    if (refresh || !this.current || now - this.current.at > REPORT_TTL_MS) {
      const report = this.checks.run();
      const entry = { report, at: now };
      this.current = entry;
      report.catch(() => {
        if (this.current === entry) {
          this.current = undefined;
        }
      });
    }
    return this.current.report;
  }
}
