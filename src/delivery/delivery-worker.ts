import { domainToASCII } from 'node:url';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { EditionRenderer } from '../digests/edition-renderer';
import { SubscriberLinks } from '../subscribers/subscriber-links';
import { DeliveryQueue, FAILURE_PAUSE_REASON_PREFIX } from './delivery-queue';
import { MailTransport } from './mail-transport';
import { type BodyEncoding, deliveryMessageId, mailDate, PrebuiltMessage } from './prebuilt-message';
import { classifySendError, retryDelaySeconds, SendOutcome, trimError } from './send-outcome';
import { SendRateLimiter } from './send-rate-limiter';

interface ClaimedDelivery {
  id: string;
  edition_id: string;
  subscriber_id: string;
  segment_key: string;
  attempts: number;
  message_key: string;
  email: string;
  subscriber_status: string;
}

/** One row's fate, written back in bulk. */
interface DeliveryResult {
  id: string;
  editionId: string;
  status: 'sent' | 'queued' | 'failed' | 'bounced' | 'skipped';
  error: string | null;
  messageId: string | null;
  /** Seconds until the next attempt (status queued), else null. */
  retrySeconds: number | null;
  /** -1 for a claim handed back unsent, so the hand-back does not use up an attempt. */
  attemptsDelta: number;
}

const IDLE_POLL_MS = 1000;
const PROGRESS_LOG_MS = 5000;
const FLUSH_INTERVAL_MS = 250;
/** An edition pauses only after this many finished deliveries, so two early failures cannot stop a send. */
export const FAILURE_PAUSE_MIN_SAMPLE = 20;
const MAX_CACHED_MESSAGES = 64;

/**
 * Sends what the ledger holds. Runs in processes whose NASHRA_ROLE is `all` or `worker`; any number of them
 * share one send through PostgreSQL:
 *
 * - claim: up to DELIVERY_BATCH_SIZE rows of `sending` editions, `FOR UPDATE SKIP LOCKED`, marked `sending`
 *   with a lease (DELIVERY_LEASE_SECONDS); rows whose lease ran out (a dead worker's) are claimable again;
 * - send: SMTP_POOL_SIZE messages at a time, each the edition segment's prebuilt MIME with the reader's parts
 *   substituted, under the global SEND_RATE_PER_SECOND;
 * - write back: results every FLUSH_INTERVAL_MS (or every few messages), one UPDATE … FROM unnest(…) per
 *   flush, so a row is `sent` moments after the server accepted it and a crash can repeat only rows in flight;
 * - between flushes it re-reads the editions' status, so a pause or cancel stops the batch early, and
 *   it pauses an edition itself when failures pass DELIVERY_FAILURE_PAUSE_PERCENT.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger(DeliveryWorker.name);
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private stopped: Promise<void> = Promise.resolve();
  private unsubscribeFromQueue?: () => void;
  private readonly messages = new Map<string, Promise<PrebuiltMessage>>();
  private readonly activeEditions = new Set<string>();
  private lastProgressLog = 0;
  /** Messages this process has had accepted (for logs and tests). */
  sentCount = 0;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transport: MailTransport,
    private readonly queue: DeliveryQueue,
    private readonly rateLimiter: SendRateLimiter,
    private readonly moduleRef: ModuleRef,
  ) {}

  get enabled(): boolean {
    return this.config.runsBackgroundWork;
  }

  onApplicationBootstrap(): void {
    if (this.enabled) {
      this.start();
    }
  }

  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.unsubscribeFromQueue = this.queue.onWork(() => this.wake?.());
    this.loop = this.run();
    this.logger.log(
      `Delivery worker started (batch ${this.config.env.DELIVERY_BATCH_SIZE}, ` +
        `${this.config.env.SMTP_POOL_SIZE} at a time, ` +
        `${this.rateLimiter.enabled ? `${this.config.env.SEND_RATE_PER_SECOND} msg/s limit` : 'no rate limit'}, ` +
        `${this.transport.usesOutbox ? 'outbox' : 'SMTP'})`,
    );
  }

  /** Finishes the messages in flight, hands unsent claims back to the queue, then returns. */
  stop(): Promise<void> {
    if (this.running) {
      this.running = false;
      this.unsubscribeFromQueue?.();
      this.wake?.();
      this.stopped = (this.loop ?? Promise.resolve()).then(() =>
        this.logger.log(`Delivery worker stopped (sent ${this.sentCount} messages)`),
      );
    }
    return this.stopped;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const claimed = await this.claim();
        if (claimed.length === 0) {
          await this.finishEditions();
          await this.logProgress();
          await this.idle(IDLE_POLL_MS);
          continue;
        }
        await this.processBatch(claimed);
        await this.finishEditions();
        await this.logProgress();
      } catch (err) {
        if (!this.running) {
          break;
        }
        this.logger.error(`Delivery loop error: ${trimError((err as Error).message ?? String(err))}`);
        await this.idle(IDLE_POLL_MS * 2);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async claim(): Promise<ClaimedDelivery[]> {
    const rows: ClaimedDelivery[] = await this.dataSource.query(
      `WITH claimable AS (
         SELECT d.id
         FROM deliveries d JOIN editions e ON e.id = d.edition_id
         WHERE e.status = 'sending'
           AND ((d.status = 'queued' AND d.next_attempt_at <= clock_timestamp())
             OR (d.status = 'sending' AND d.lease_expires_at < clock_timestamp()))
         ORDER BY d.id
         LIMIT $1
         FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE deliveries d
         SET status = 'sending', attempts = d.attempts + 1,
             lease_expires_at = clock_timestamp() + make_interval(secs => $2), updated_at = clock_timestamp()
         FROM claimable c WHERE d.id = c.id
         RETURNING d.id, d.edition_id, d.subscriber_id, d.segment_key, d.attempts, d.message_key
       )
       SELECT c.id::text, c.edition_id::text, c.subscriber_id::text, c.segment_key, c.attempts, c.message_key::text,
              s.email, s.status AS subscriber_status
       FROM claimed c JOIN subscribers s ON s.id = c.subscriber_id
       ORDER BY c.id`,
      [this.config.env.DELIVERY_BATCH_SIZE, this.config.env.DELIVERY_LEASE_SECONDS],
    );
    return rows;
  }

  private async processBatch(batch: ClaimedDelivery[]): Promise<void> {
    const pending: DeliveryResult[] = [];
    const unfinished = new Set(batch.map((d) => d.id));
    const halted = new Set<string>();
    let lastFlush = Date.now();
    let leaseRenewedAt = Date.now();
    let flushing: Promise<void> = Promise.resolve();
    const editions = [...new Set(batch.map((d) => d.edition_id))];
    editions.forEach((e) => this.activeEditions.add(e));

    const flush = (): Promise<void> => {
      flushing = flushing.then(async () => {
        const results = pending.splice(0);
        lastFlush = Date.now();
        if (results.length > 0) {
          await this.writeBack(results);
          results.forEach((r) => unfinished.delete(r.id));
        }
        // Re-read the editions: an editor's pause or cancel stops the rest of this batch.
        const statuses: Array<{ id: string; status: string }> = await this.dataSource.query(
          `SELECT id::text, status FROM editions WHERE id = ANY($1::bigint[])`,
          [editions],
        );
        for (const s of statuses) {
          if (s.status !== 'sending') {
            halted.add(s.id);
          }
        }
        if (Date.now() - leaseRenewedAt > (this.config.env.DELIVERY_LEASE_SECONDS * 1000) / 3 && unfinished.size) {
          leaseRenewedAt = Date.now();
          await this.dataSource.query(
            `UPDATE deliveries SET lease_expires_at = clock_timestamp() + make_interval(secs => $2)
             WHERE id = ANY($1::bigint[]) AND status = 'sending'`,
            [[...unfinished], this.config.env.DELIVERY_LEASE_SECONDS],
          );
        }
        const troubled = new Set(
          results.filter((r) => r.status === 'failed' || r.status === 'bounced').map((r) => r.editionId),
        );
        for (const editionId of troubled) {
          await this.pauseIfFailing(editionId, results.find((r) => r.editionId === editionId && r.error)?.error);
        }
      });
      return flushing;
    };
    // Senders do not wait for a flush: flushes run one after another in the background, and a failed one
    // surfaces at the final flush of the batch (the chain stays rejected).
    const record = (result: DeliveryResult) => {
      pending.push(result);
      if (pending.length >= Math.max(10, this.concurrency * 2) || Date.now() - lastFlush >= FLUSH_INTERVAL_MS) {
        lastFlush = Date.now();
        flush().catch(() => undefined);
      }
    };

    let next = 0;
    const runner = async () => {
      while (next < batch.length) {
        const delivery = batch[next++];
        if (!this.running || halted.has(delivery.edition_id)) {
          // Shutting down, or the edition was paused/cancelled: the claim goes back untouched.
          record(handBack(delivery));
          continue;
        }
        record(await this.deliver(delivery));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batch.length) }, runner));
    await flush();
  }

  /** Two per pooled connection, so each connection has the next message ready when one is accepted. */
  private get concurrency(): number {
    return this.config.env.SMTP_POOL_SIZE * 2;
  }

  /** Sends one delivery and says what the ledger should record; never throws. */
  private async deliver(delivery: ClaimedDelivery): Promise<DeliveryResult> {
    const base = { id: delivery.id, editionId: delivery.edition_id, retrySeconds: null, attemptsDelta: 0 };
    if (delivery.subscriber_status !== 'active') {
      // Unsubscribed or bounced after the edition was queued: they get nothing more.
      return { ...base, status: 'skipped', error: `reader is ${delivery.subscriber_status}`, messageId: null };
    }
    let outcome: SendOutcome;
    try {
      const message = await this.prebuilt(delivery.edition_id, delivery.segment_key);
      const to = await this.recipientAddress(delivery.email);
      if (typeof to !== 'string') {
        outcome = to;
      } else {
        const links = this.moduleRef.get(SubscriberLinks, { strict: false });
        const messageId = deliveryMessageId(delivery.message_key, this.config.mailDomain);
        const mailto = this.config.env.UNSUBSCRIBE_MAILTO;
        const raw = message.render({
          to,
          messageId,
          date: mailDate(new Date()),
          unsubscribeUrl: links.unsubscribeUrl(delivery.subscriber_id),
          preferencesUrl: links.preferencesUrl(delivery.subscriber_id),
          unsubscribeMailto: mailto
            ? `mailto:${mailto}?subject=unsubscribe%20${links.token(delivery.subscriber_id)}`
            : undefined,
        });
        await this.rateLimiter.take();
        await this.transport.sendRaw(
          { from: this.transport.fromAddress, to },
          raw,
          messageId,
          message.encoding === '8bit',
        );
        this.sentCount++;
        outcome = { kind: 'sent', messageId };
      }
    } catch (err) {
      outcome = classifySendError(err);
    }
    switch (outcome.kind) {
      case 'sent':
        return { ...base, status: 'sent', error: null, messageId: outcome.messageId };
      case 'bounced':
        return { ...base, status: 'bounced', error: outcome.error, messageId: null };
      case 'failed':
        return { ...base, status: 'failed', error: outcome.error, messageId: null };
      case 'retry':
        if (delivery.attempts >= this.config.env.DELIVERY_MAX_ATTEMPTS) {
          return {
            ...base,
            status: 'failed',
            error: `${outcome.error} (gave up after ${delivery.attempts} attempts)`,
            messageId: null,
          };
        }
        return {
          ...base,
          status: 'queued',
          error: outcome.error,
          messageId: null,
          retrySeconds: retryDelaySeconds(delivery.attempts, this.config.env.DELIVERY_RETRY_BASE_SECONDS),
        };
    }
  }

  /**
   * The address as envelope and To header carry it. A UTF-8 local part needs SMTPUTF8; an internationalised
   * domain goes as Unicode where the server offers SMTPUTF8 and as punycode where it does not.
   */
  private async recipientAddress(email: string): Promise<string | SendOutcome> {
    // eslint-disable-next-line no-control-regex
    if (/^[\x00-\x7f]*$/.test(email)) {
      return email;
    }
    const at = email.lastIndexOf('@');
    const local = email.slice(0, at);
    const domain = email.slice(at + 1);
    if (await this.transport.supportsSmtpUtf8()) {
      return email;
    }
    // eslint-disable-next-line no-control-regex
    if (/^[\x00-\x7f]*$/.test(local)) {
      const ascii = domainToASCII(domain);
      if (ascii) {
        return `${local}@${ascii}`;
      }
    }
    return {
      kind: 'failed',
      error: 'the SMTP server does not offer SMTPUTF8, which this UTF-8 address needs',
    };
  }

  private async prebuilt(editionId: string, segmentKey: string): Promise<PrebuiltMessage> {
    const encoding: BodyEncoding = (await this.transport.supports8BitMime()) ? '8bit' : 'quoted-printable';
    const key = `${editionId}:${segmentKey}:${encoding}`;
    let message = this.messages.get(key);
    if (!message) {
      message = this.buildMessage(editionId, segmentKey, encoding);
      // A failed build is not kept, so the next attempt tries again.
      message.catch(() => this.messages.delete(key));
      this.messages.set(key, message);
      if (this.messages.size > MAX_CACHED_MESSAGES) {
        this.messages.delete(this.messages.keys().next().value!);
      }
    }
    return message;
  }

  private async buildMessage(editionId: string, segmentKey: string, encoding: BodyEncoding): Promise<PrebuiltMessage> {
    const renderer = this.moduleRef.get(EditionRenderer, { strict: false });
    const render = await renderer.renderForSegment(editionId, segmentKey);
    return PrebuiltMessage.build(
      {
        from: this.config.env.MAIL_FROM,
        subject: render.subject,
        html: render.html,
        text: render.text,
        listId: `${this.config.env.PUBLICATION_NAME} <nashra.${this.config.mailDomain}>`,
      },
      encoding,
    );
  }

  /** One statement per flush: every row's result, and bounced readers marked bounced. */
  private async writeBack(results: DeliveryResult[]): Promise<void> {
    await this.dataSource.query(
      `WITH r AS (
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[])
           AS r(id, status, error, message_id, retry_seconds, attempts_delta)
       ), updated AS (
         UPDATE deliveries d
         SET status = r.status,
             lease_expires_at = NULL,
             -- A claim handed back unsent keeps the error of its previous attempt.
             last_error = CASE WHEN r.attempts_delta < 0 THEN d.last_error ELSE r.error END,
             message_id = coalesce(r.message_id, d.message_id),
             sent_at = CASE WHEN r.status = 'sent' THEN clock_timestamp() ELSE d.sent_at END,
             next_attempt_at = CASE WHEN r.retry_seconds IS NULL THEN d.next_attempt_at
                                    ELSE clock_timestamp() + make_interval(secs => r.retry_seconds) END,
             attempts = d.attempts + r.attempts_delta,
             updated_at = clock_timestamp()
         FROM r
         WHERE d.id = r.id AND d.status = 'sending'
         RETURNING d.subscriber_id, d.status
       ), bounced AS (
         UPDATE subscribers s
         SET status = 'bounced', bounced_at = clock_timestamp(), updated_at = clock_timestamp()
         FROM updated u
         WHERE u.status = 'bounced' AND s.id = u.subscriber_id AND s.status = 'active'
         RETURNING s.id
       )
       SELECT (SELECT count(*) FROM updated) AS updated, (SELECT count(*) FROM bounced) AS bounced`,
      [
        results.map((r) => r.id),
        results.map((r) => r.status),
        results.map((r) => r.error),
        results.map((r) => r.messageId),
        results.map((r) => r.retrySeconds),
        results.map((r) => r.attemptsDelta),
      ],
    );
  }

  /**
   * Pauses an edition whose failed + bounced deliveries exceed DELIVERY_FAILURE_PAUSE_PERCENT of its finished
   * ones (sent + failed + bounced), once at least FAILURE_PAUSE_MIN_SAMPLE have finished. Bounces count: a
   * server refusing most addresses usually means our setup is wrong, not the readers'.
   */
  private async pauseIfFailing(editionId: string, lastError: string | null | undefined): Promise<void> {
    const limit = this.config.env.DELIVERY_FAILURE_PAUSE_PERCENT;
    const [stats]: Array<{ finished: string; bad: string }> = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE status IN ('sent', 'failed', 'bounced')) AS finished,
              count(*) FILTER (WHERE status IN ('failed', 'bounced')) AS bad
       FROM deliveries WHERE edition_id = $1`,
      [editionId],
    );
    const finished = Number(stats.finished);
    const bad = Number(stats.bad);
    if (finished < FAILURE_PAUSE_MIN_SAMPLE || bad * 100 <= limit * finished) {
      return;
    }
    const reason =
      `${FAILURE_PAUSE_REASON_PREFIX} ${bad} of ${finished} finished deliveries failed or bounced ` +
      `(over the ${limit}% limit). Last error: ${lastError ?? 'unknown'}. Fix the cause, then retry failed deliveries.`;
    const paused: Array<{ id: string }> = await this.dataSource.query(
      `WITH p AS (
         UPDATE editions SET status = 'paused', status_reason = $2, updated_at = clock_timestamp()
         WHERE id = $1 AND status = 'sending' RETURNING id
       ) SELECT id FROM p`,
      [editionId, trimError(reason).slice(0, 300)],
    );
    if (paused.length > 0) {
      this.logger.warn(`Edition ${editionId} paused: ${bad} of ${finished} deliveries failed or bounced`);
    }
  }

  /**
   * sending → sent for editions with nothing left to send. The digests side marks an edition `sending` just
   * before queueing its audience, so an edition without ledger rows is finished only once it has been
   * sending, untouched, for a minute (an audience of nobody), never in that short gap.
   */
  private async finishEditions(): Promise<void> {
    const finished: Array<{ id: string }> = await this.dataSource.query(
      `WITH done AS (
         UPDATE editions e
         SET status = 'sent', sent_at = clock_timestamp(), updated_at = clock_timestamp(),
             status_reason = CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.edition_id = e.id) THEN NULL
                                  ELSE 'no active readers' END
         WHERE e.status = 'sending'
           AND (EXISTS (SELECT 1 FROM deliveries d WHERE d.edition_id = e.id)
                OR e.updated_at < clock_timestamp() - interval '1 minute')
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.edition_id = e.id AND d.status IN ('queued', 'sending'))
         RETURNING e.id::text
       ) SELECT id FROM done`,
    );
    // A cancelled edition's unsent rows say so in the ledger (and stop being walked past by every claim).
    await this.dataSource.query(
      `UPDATE deliveries d
       SET status = 'skipped', last_error = 'edition cancelled', lease_expires_at = NULL,
           updated_at = clock_timestamp()
       FROM editions e
       WHERE e.id = d.edition_id AND e.status = 'cancelled' AND d.status = 'queued'`,
    );
    for (const { id } of finished) {
      const counts = await this.queue.countsByStatus(id);
      this.logger.log(
        `Edition ${id} sent: ${counts.sent} sent, ${counts.failed} failed, ${counts.bounced} bounced, ${counts.skipped} skipped`,
      );
      this.activeEditions.delete(id);
    }
  }

  /** Every few seconds while this process sends: counts, rate and ETA of each edition it works on. */
  private async logProgress(): Promise<void> {
    if (this.activeEditions.size === 0 || Date.now() - this.lastProgressLog < PROGRESS_LOG_MS) {
      return;
    }
    this.lastProgressLog = Date.now();
    for (const editionId of this.activeEditions) {
      const p = await this.queue.progress(editionId);
      this.logger.log(
        `Edition ${editionId}: ${p.counts.sent}/${p.total} sent, ${p.counts.failed} failed, ` +
          `${p.counts.bounced} bounced, ${p.remaining} remaining, ${p.ratePerSecond} msg/s, ` +
          `ETA ${p.etaSeconds === null ? 'unknown' : `${p.etaSeconds}s`}`,
      );
      if (p.remaining === 0) {
        this.activeEditions.delete(editionId);
      }
    }
  }
}

function handBack(delivery: ClaimedDelivery): DeliveryResult {
  return {
    id: delivery.id,
    editionId: delivery.edition_id,
    status: 'queued',
    error: null,
    messageId: null,
    retrySeconds: 0,
    attemptsDelta: -1,
  };
}
