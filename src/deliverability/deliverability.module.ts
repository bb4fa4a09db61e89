import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { DeliveryPorts } from '../delivery/delivery-ports';
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
 * Above delivery: it supplies delivery's optional LedgerEvents (ReputationWatch) and SendAllowance (the warm-up).
 */
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
  ],
  exports: [DomainReadiness, DnsLookup, ProviderRateReport, WarmUp],
})
export class DeliverabilityModule {
  constructor(ports: DeliveryPorts, watch: ReputationWatch, allowance: WarmUpAllowance) {
    ports.ledgerEvents.supply(watch);
    ports.sendAllowance.supply(allowance);
  }
}
