import { Global, Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { LEDGER_EVENTS } from '../delivery/delivery-ports';
import { DnsLookup } from './dns-lookup';
import { DomainChecks } from './domain-checks';
import { DomainReadiness } from './domain-readiness';
import { ProviderCountsRepository } from './provider-counts.repository';
import { ProviderRateReport } from './provider-rates';
import { ReputationWatch } from './reputation-watch';

/**
 * Deliverability: is MAIL_FROM's domain ready (SPF, DKIM, DMARC, MX in DNS), and is the mail welcome
 * (complaints and bounces by mailbox provider, the automatic pause that protects the domain's reputation).
 * Global so delivery's LEDGER_EVENTS port, which it provides, reaches the delivery module without an import.
 */
@Global()
@Module({
  imports: [DeliveryModule],
  providers: [
    DnsLookup,
    DomainChecks,
    DomainReadiness,
    ProviderCountsRepository,
    ReputationWatch,
    ProviderRateReport,
    { provide: LEDGER_EVENTS, useExisting: ReputationWatch },
  ],
  exports: [DomainReadiness, DnsLookup, ProviderRateReport, LEDGER_EVENTS],
})
export class DeliverabilityModule {}
