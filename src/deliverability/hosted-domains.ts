import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { errorMessage } from '../common/error-message';
import { PeriodicJob } from '../common/periodic-job';
import { AppConfig } from '../config/app-config';
import { DnsLookup } from './dns-lookup';
import type { MailboxProvider } from './mailbox-providers';

export const HOSTED_DOMAINS_INTERVAL_NAME = 'deliverability-hosted-domains';
const INTERVAL_MS = 6 * 60 * 60 * 1000;
/** Domains looked up per run, those with the most readers first. */
const PER_RUN = 100;

/** The big providers' mail exchangers, by the end of the MX host name (Google Workspace, Microsoft 365, …). */
const MX_SUFFIXES: Array<[string, MailboxProvider]> = [
  ['.google.com', 'gmail'],
  ['.googlemail.com', 'gmail'],
  ['.outlook.com', 'outlook'],
  ['.hotmail.com', 'outlook'],
  ['.yahoodns.net', 'yahoo'],
  ['.icloud.com', 'icloud'],
];

/** The provider that hosts a domain's mail, by its MX hosts; `other` when none is a big provider's. */
export function providerByMx(exchanges: string[]): MailboxProvider {
  for (const exchange of exchanges) {
    const host = `.${exchange.toLowerCase().replace(/\.$/, '')}`;
    const match = MX_SUFFIXES.find(([suffix]) => host.endsWith(suffix));
    if (match) {
      return match[1];
    }
  }
  return 'other';
}

/**
 * Groups readers' own domains (a company on Google Workspace, a ministry on Microsoft 365) with the provider that
 * hosts their mail, by MX: every few hours in the processes that send, the domains of readers that
 * `mailbox_domains` does not know yet (most readers first, a hundred a run) are looked up once and remembered
 * (`source = 'mx'`), so counts recorded afterwards land under that provider. Tests only look up through
 * DNS_SERVERS: a test process never asks the system's resolver about readers' domains.
 */
@Injectable()
export class HostedDomains implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HostedDomains.name);
  private readonly job = new PeriodicJob<number>({
    name: HOSTED_DOMAINS_INTERVAL_NAME,
    work: () => this.classify(),
    logger: this.logger,
    failure: (err) => `Mailbox provider lookup failed: ${errorMessage(err)}`,
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dns: DnsLookup,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.runsBackgroundWork && this.mayLookUp) {
      this.job.schedule(this.scheduler, INTERVAL_MS, { runNow: true });
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** One run (the interval's work; tests call it). Returns how many domains it classified. */
  runOnce(): Promise<number> {
    return this.job.run();
  }

  private get mayLookUp(): boolean {
    return this.config.runtime.nodeEnv !== 'test' || this.dns.customServers;
  }

  private async classify(): Promise<number> {
    if (!this.mayLookUp) {
      return 0;
    }
    const domains: Array<{ domain: string }> = await this.dataSource.query(
      `SELECT x.domain FROM (
         SELECT lower(split_part(email, '@', 2)) AS domain, count(*) AS n
         FROM subscribers WHERE status IN ('pending', 'active') GROUP BY 1) x
       WHERE x.domain <> '' AND NOT EXISTS (SELECT 1 FROM mailbox_domains m WHERE m.domain = x.domain)
       ORDER BY x.n DESC, x.domain LIMIT $1`,
      [PER_RUN],
    );
    let classified = 0;
    for (const { domain } of domains) {
      if (this.job.stopped || !this.dns.canLookUp(domain)) {
        continue;
      }
      let exchanges: string[];
      try {
        exchanges = (await this.dns.mx(domain)).map((m) => m.exchange);
      } catch {
        continue; // the resolver did not answer: try again next run
      }
      await this.dataSource.query(
        `INSERT INTO mailbox_domains (domain, provider, source) VALUES ($1, $2, 'mx') ON CONFLICT DO NOTHING`,
        [domain, providerByMx(exchanges)],
      );
      classified++;
    }
    if (classified > 0) {
      this.logger.log(`Mailbox providers: ${classified} readers' domain(s) classified by MX`);
    }
    return classified;
  }
}
