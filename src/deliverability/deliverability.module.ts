import { Global, Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { LEDGER_EVENTS, SEND_ALLOWANCE } from '../delivery/delivery-ports';
import { DnsLookup } from './dns-lookup';
import { DomainChecks } from './domain-checks';
import { DomainReadiness } from './domain-readiness';
import { HostedDomains } from './hosted-domains';
import { ProviderCountsRepository } from './provider-counts.repository';
import { ProviderRateReport } from './provider-rates';
import { ReputationWatch } from './reputation-watch';
import { SelfCheck } from './self-check';
import { WarmUp, WarmUpAllowance } from './warm-up';

/**
 * Deliverability: is MAIL_FROM's domain ready (SPF, DKIM, DMARC, MX in DNS), and is the mail welcome
 * (complaints and bounces by mailbox provider, the automatic pause that protects the domain's reputation).
 * Global so delivery's LEDGER_EVENTS and SEND_ALLOWANCE ports, which it provides, reach the delivery module without an import.
 */
@Global()
@Module({
  imports: [DeliveryModule],
  providers: [
    DnsLookup,
    DomainChecks,
    DomainReadiness,
    HostedDomains,
    ProviderCountsRepository,
    ReputationWatch,
    SelfCheck,
    ProviderRateReport,
    WarmUp,
    WarmUpAllowance,
    { provide: LEDGER_EVENTS, useExisting: ReputationWatch },
    { provide: SEND_ALLOWANCE, useExisting: WarmUpAllowance },
  ],
  exports: [DomainReadiness, DnsLookup, ProviderRateReport, WarmUp, LEDGER_EVENTS, SEND_ALLOWANCE],
})
export class DeliverabilityModule {}
