import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TransportStatusRepository } from './transport-status.repository';

const TRANSPORT = 'smtp';

/** What editors see of the mail server (GET /admin/digests/:id → progress.transport). */
export interface TransportState {
  reachable: boolean;
  /** When the outage began (null when reachable). */
  since: Date | null;
  /** When workers try the server again (null when reachable). */
  nextTryAt: Date | null;
  lastError: string | null;
}

/**
 * Outage patience: a connection-level failure (refused, DNS, TLS, no greeting, 421 at greeting) is the
 * server's, not the reader's. It pauses sending for the whole transport, in every process (transport_status
 * table), for SMTP_OUTAGE_BACKOFF_SECONDS doubling on each further failed try up to
 * SMTP_OUTAGE_MAX_WAIT_SECONDS; readers' rows go back to the queue without using an attempt. The first
 * message accepted after it ends the outage.
 */
@Injectable()
export class TransportHealth {
  private readonly logger = new Logger('DeliveryWorker');
  /** This process's view: unknown at start, so the first accepted message clears a stale outage. */
  private maybeDown = true;
  /** Local time until which this process holds off (Date.now() scale). */
  private pausedUntil = 0;
  /** Reads of the shared row begun so far, and how many had begun when this process last recorded a failure. */
  private reads = 0;
  private failedAtRead = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly statuses: TransportStatusRepository,
  ) {}

  /** Milliseconds this process should still wait before sending (0: go). Refreshes from the shared row. */
  async pauseMs(): Promise<number> {
    const asked = ++this.reads;
    const row = await this.statuses.get(TRANSPORT);
    if (!row.reachable) {
      this.maybeDown = true;
      this.pausedUntil = Date.now() + Math.max(0, (row.waitSeconds ?? 0) * 1000);
    } else if (asked > this.failedAtRead) {
      // (A failure this process saw while the row was being read is newer than the row: it stands.)
      this.pausedUntil = 0;
    }
    return Math.max(0, this.pausedUntil - Date.now());
  }

  /** Whether sending is on hold right now (no query; as of the last failure or pauseMs()). */
  get paused(): boolean {
    return this.pausedUntil > Date.now();
  }

  /** Seconds left of the current hold (0 when none). */
  get secondsLeft(): number {
    return Math.max(0, Math.ceil((this.pausedUntil - Date.now()) / 1000));
  }

  /** Records a connection-level failure; returns the seconds until the next try. */
  async unreachable(error: string): Promise<number> {
    const { outageBackoffSeconds: base, outageMaxWaitSeconds: max } = this.config.delivery;
    const wait = await this.statuses.markUnreachable(TRANSPORT, error, base, max);
    this.failedAtRead = this.reads;
    const wasPaused = this.paused;
    this.maybeDown = true;
    this.pausedUntil = Date.now() + wait * 1000;
    if (!wasPaused) {
      this.logger.warn(`SMTP unreachable (${error}); sending paused, next try in ${Math.ceil(wait)} s`);
    }
    return Math.ceil(wait);
  }

  /** A message was accepted: ends an outage, if this process thought there might be one. */
  async reachable(): Promise<void> {
    if (!this.maybeDown) {
      return;
    }
    this.maybeDown = false;
    this.pausedUntil = 0;
    if (await this.statuses.markReachable(TRANSPORT)) {
      this.logger.log('SMTP reachable again; sending resumed');
    }
  }

  async state(): Promise<TransportState> {
    const { reachable, since, nextTryAt, lastError } = await this.statuses.get(TRANSPORT);
    return { reachable, since, nextTryAt, lastError };
  }
}
