import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock';
import { errorMessage } from '../common/error-message';
import { AppConfig } from '../config/app-config';
import { type MessageTemplates, type RecipientEvents, DeliveryPorts } from './delivery-ports';
import { AttemptResults } from './attempt-results';
import { MailTransport } from './mail-transport';
import { deliveryMessageId } from './prebuilt-message';
import { classifySendError } from './send-outcome';
import { SendRateLimiter } from './send-rate-limiter';
import { TransactionalOutbox } from './transactional-outbox';
import { type ClaimedMessage, type MessageResult, TransactionalRepository } from './transactional-repository';
import { TransportHealth } from './transport-health';
import { WorkerIdentity } from './worker-identity';
import { WorkerLoop } from './worker-loop';

/** Small batches: transactional mail is a trickle, and a small claim keeps the rows a crash can repeat few. */
const BATCH_SIZE = 20;
const IDLE_POLL_MS = 500;
const PRUNE_EVERY_MS = 3600_000;

/**
 * Sends the transactional outbox (confirmation, welcome, reminder, sunset, invitations, test sends) with the
 * ledger's machinery: claims `FOR UPDATE SKIP LOCKED` with a lease renewed on a timer while in flight, the
 * shared SendRateLimiter, TransportHealth (an outage pauses sending and uses no attempt), retries with
 * backoff, hard bounces reported to readers' owner (RecipientEvents). It runs its own loop beside the
 * DeliveryWorker's, in every process that does background work, so a reader who just signed up never waits
 * behind a 100,000-reader edition: at most the few digest messages already in the pool go first.
 *
 * Each result is written back as soon as the server answers (before the next message on that lane), so a
 * kill -9 can repeat at most the SMTP_POOL_SIZE messages in flight, each with its stable Message-ID.
 */
@Injectable()
export class TransactionalWorker implements OnApplicationBootstrap, BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger(TransactionalWorker.name);
  private readonly loop = new WorkerLoop({
    cycle: () => this.cycle(),
    onWork: (wake) => this.outbox.onWork(wake),
    logger: this.logger,
    name: 'Transactional',
    errorPauseMs: IDLE_POLL_MS * 4,
  });
  private lastPrune = 0;
  /** Messages this process has had accepted (for logs and tests). */
  sentCount = 0;

  constructor(
    private readonly ports: DeliveryPorts,
    private readonly config: AppConfig,
    private readonly repository: TransactionalRepository,
    private readonly outbox: TransactionalOutbox,
    private readonly transport: MailTransport,
    private readonly rateLimiter: SendRateLimiter,
    private readonly health: TransportHealth,
    private readonly clock: Clock,
    private readonly results: AttemptResults,
    private readonly identity: WorkerIdentity,
  ) {}

  private get recipients(): RecipientEvents {
    return this.ports.recipientEvents.get();
  }

  private get templates(): MessageTemplates {
    return this.ports.messageTemplates.get();
  }

  /** Messages in flight at once: one per pooled connection. */
  get concurrency(): number {
    return this.config.delivery.poolSize;
  }

  onApplicationBootstrap(): void {
    if (this.config.runsBackgroundWork) {
      this.start();
    }
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  private async cycle(): Promise<void> {
    await this.pruneNowAndThen();
    const holder = await this.identity.holder();
    const claimed = await this.repository.claim(BATCH_SIZE, this.config.delivery.leaseSeconds, holder);
    if (claimed.length === 0) {
      await this.loop.idle(IDLE_POLL_MS);
      return;
    }
    await this.sendBatch(claimed, holder);
  }

  private async sendBatch(batch: ClaimedMessage[], holder: number): Promise<void> {
    const leaseSeconds = this.config.delivery.leaseSeconds;
    const hold = this.transport.usesOutbox ? 0 : await this.health.pauseMs();
    const unfinished = new Set(batch.map((m) => m.id));
    const heartbeat = setInterval(
      () => {
        if (unfinished.size > 0) {
          this.repository
            .renewLeases([...unfinished], leaseSeconds)
            .catch((err: unknown) => this.logger.warn(`Lease renewal failed: ${errorMessage(err)}`));
        }
      },
      (leaseSeconds * 1000) / 3,
    );
    let next = 0;
    const lane = async () => {
      while (next < batch.length) {
        const message = batch[next++];
        // The send's time is taken as it starts: the moment the server may have the message.
        const startedAt = this.clock.now();
        // A lost holder lock lets others take these rows at once: hand them back rather than send them too.
        const result =
          !this.loop.running || this.identity.current !== holder || hold > 0 || this.health.paused
            ? handBack(message, Math.ceil(hold / 1000) || this.health.secondsLeft)
            : await this.deliver(message);
        await this.record(result, startedAt);
        unfinished.delete(message.id);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.concurrency, batch.length) }, lane));
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async record(result: MessageResult, sentAt: Date): Promise<void> {
    const { bouncedSubscriber } = await this.repository.writeBack(result, sentAt);
    if (bouncedSubscriber) {
      await this.recipients.bounced([bouncedSubscriber]);
    }
  }

  private async deliver(message: ClaimedMessage): Promise<MessageResult> {
    const base = { id: message.id, retrySeconds: null, attemptsDelta: 1 as const };
    const messageId = deliveryMessageId(message.message_key, this.config.mailDomain);
    try {
      const body = message.template
        ? await this.templates.composeTemplate(message.template, message.template_values ?? {})
        : { subject: message.subject, html: message.html ?? '', text: message.text ?? '' };
      await this.rateLimiter.take();
      await this.transport.send({
        to: message.recipient,
        subject: body.subject,
        html: body.html,
        text: body.text,
        headers: message.headers ?? undefined,
        messageId,
      });
      this.sentCount++;
      this.logger.log(`${message.kind} message ${message.id} sent (${messageId})`);
      return { ...base, ...(await this.results.resultOf({ kind: 'sent', messageId }, message.attempts)) };
    } catch (err) {
      return { ...base, ...(await this.results.resultOf(classifySendError(err), message.attempts)) };
    }
  }

  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) {
      return;
    }
    this.lastPrune = Date.now();
    const pruned = await this.repository.prune();
    if (pruned > 0) {
      this.logger.log(`Pruned ${pruned} old transactional message row(s)`);
    }
  }
}

function handBack(message: ClaimedMessage, retrySeconds: number): MessageResult {
  return { id: message.id, status: 'queued', error: null, messageId: null, retrySeconds, attemptsDelta: 0 };
}
