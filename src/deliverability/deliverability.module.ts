import { Module } from '@nestjs/common';
import { DnsLookup } from './dns-lookup';
import { DomainChecks } from './domain-checks';
import { DomainReadiness } from './domain-readiness';

/**
 * Deliverability: is MAIL_FROM's domain ready (SPF, DKIM, DMARC, MX in DNS), and is the mail landing (complaints
 * and bounces by mailbox provider). It reads the delivery ledger's facts; the newsroom shows what it finds.
 */
@Module({
  providers: [DnsLookup, DomainChecks, DomainReadiness],
  exports: [DomainReadiness, DnsLookup],
})
export class DeliverabilityModule {}
