import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { retryDelaySeconds, type SendOutcome } from './send-outcome';
import { TransportHealth } from './transport-health';

/** What a ledger row (a digest delivery or a transactional message) becomes after one send attempt. */
export interface AttemptResult {
  status: 'sent' | 'queued' | 'failed' | 'bounced';
  error: string | null;
  messageId: string | null;
  /** Seconds until the next attempt (status queued), else null. */
  retrySeconds: number | null;
  /** 0 when the transport was unreachable: the server's outage uses none of the reader's attempts. */
  attemptsDelta: 0 | 1;
}

/**
 * One rule for every kind of mail: a send's outcome decides the row's next state, and tells TransportHealth
 * whether the server answered (an unreachable server pauses all sending, with backoff, and burns no attempt; a
 * 4xx is retried with backoff until DELIVERY_MAX_ATTEMPTS; a 5xx at RCPT bounces the reader).
 */
@Injectable()
export class AttemptResults {
  constructor(
    private readonly config: AppConfig,
    private readonly health: TransportHealth,
  ) {}

  /** `attemptsBefore`: what the row held before this attempt (attempts are counted at write-back). */
  async resultOf(outcome: SendOutcome, attemptsBefore: number): Promise<AttemptResult> {
    const attempts = attemptsBefore + 1;
    const failed = { messageId: null, retrySeconds: null, attemptsDelta: 1 as const };
    switch (outcome.kind) {
      case 'sent':
        await this.health.reachable().catch(() => undefined);
        return { ...failed, status: 'sent', error: null, messageId: outcome.messageId };
      case 'unreachable': {
        // The server's outage, not the reader's: back to the queue after the transport's backoff, no attempt.
        const retrySeconds = await this.health
          .unreachable(outcome.error)
          .catch(() => this.config.delivery.outageBackoffSeconds);
        return { ...failed, status: 'queued', error: outcome.error, retrySeconds, attemptsDelta: 0 };
      }
      case 'bounced':
        return { ...failed, status: 'bounced', error: outcome.error };
      case 'failed':
        return { ...failed, status: 'failed', error: outcome.error };
      case 'retry':
        if (attempts >= this.config.delivery.maxAttempts) {
          return { ...failed, status: 'failed', error: `${outcome.error} (gave up after ${attempts} attempts)` };
        }
        return {
          ...failed,
          status: 'queued',
          error: outcome.error,
          retrySeconds: retryDelaySeconds(attempts, this.config.delivery.retryBaseSeconds),
        };
    }
  }
}
