import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AttemptResults } from './attempt-results';
import { BounceWebhookController } from './bounce-webhook.controller';
import { Delivery } from './delivery.entity';
import { DeliveryBatch } from './delivery-batch';
import { DeliveryPorts } from './delivery-ports';
import { DeliveryQueue } from './delivery-queue';
import { DeliveryRepository } from './delivery.repository';
import { DeliverySender } from './delivery-sender';
import { DeliveryWorker } from './delivery-worker';
import { BounceMailbox } from './late-reports/bounce-mailbox';
import { LateReportLedger } from './late-reports/late-report-ledger';
import { LateReports } from './late-reports/late-reports';
import { SnsCertificateFetcher, SnsSignatures } from './late-reports/sns-signature';
import { WebhookTokens } from './late-reports/webhook-tokens';
import { MailTransport } from './mail-transport';
import { Outbox } from './outbox';
import { OutboxController } from './outbox.controller';
import { SendProgress } from './send-progress';
import { EditionCountsReconciliation } from './edition-counts-reconciliation';
import { DeliveryRetention } from './delivery-retention';
import { LedgerPartitions } from './ledger-partitions';
import { SendRateLimiter } from './send-rate-limiter';
import { TransactionalMessage } from './transactional-message.entity';
import { TransactionalOutbox } from './transactional-outbox';
import { TransactionalRepository } from './transactional-repository';
import { TransactionalWorker } from './transactional-worker';
import { TransportHealth } from './transport-health';
import { TransportStatusRepository } from './transport-status.repository';
import { WorkerIdentity } from './worker-identity';

/**
 * Delivery: the ledger, workers, SMTP transport (or the outbox editors browse), retries, bounces. It sits
 * below digests, subscribers, engagement and deliverability and imports none of them: what it needs from them
 * (the edition's life cycle and messages, readers' links and bounces, tracked links) it declares as interfaces
 * in delivery-ports.ts, and those modules, which import this one, supply their implementations to DeliveryPorts.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Delivery, TransactionalMessage])],
  controllers: [OutboxController, BounceWebhookController],
  providers: [
    DeliveryPorts,
    MailTransport,
    AttemptResults,
    DeliveryRepository,
    DeliveryQueue,
    SendRateLimiter,
    TransportStatusRepository,
    TransportHealth,
    DeliverySender,
    DeliveryBatch,
    SendProgress,
    EditionCountsReconciliation,
    LedgerPartitions,
    DeliveryRetention,
    DeliveryWorker,
    Outbox,
    LateReportLedger,
    LateReports,
    WebhookTokens,
    SnsCertificateFetcher,
    SnsSignatures,
    BounceMailbox,
    TransactionalRepository,
    TransactionalOutbox,
    TransactionalWorker,
    WorkerIdentity,
  ],
  exports: [
    DeliveryPorts,
    MailTransport,
    DeliveryQueue,
    DeliveryWorker,
    Outbox,
    TransportHealth,
    TransactionalOutbox,
    TransactionalWorker,
  ],
})
export class DeliveryModule {}
