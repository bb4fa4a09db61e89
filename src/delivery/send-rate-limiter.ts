import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';

/**
 * SEND_RATE_PER_SECOND across every worker process: a token bucket kept in PostgreSQL (table
 * delivery_rate_buckets), refilled by elapsed time and holding at most one second of tokens. A worker draws
 * a handful of tokens per round trip (a fifth of a second's worth) and spends them locally, so the database
 * sees a few small updates per second rather than one per message. 0 turns the limit off.
 */
@Injectable()
export class SendRateLimiter {
  private readonly logger = new Logger(SendRateLimiter.name);
  private readonly rate: number;
  private local = 0;
  private waiting: Promise<void> = Promise.resolve();

  constructor(
    config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.rate = config.delivery.sendRatePerSecond;
  }

  get enabled(): boolean {
    return this.rate > 0;
  }

  /** Resolves when this process may send one more message. Callers queue in order. */
  take(): Promise<void> {
    if (!this.enabled) {
      return Promise.resolve();
    }
    const turn = this.waiting.then(() => this.takeOne());
    this.waiting = turn.catch(() => undefined);
    return turn;
  }

  private async takeOne(): Promise<void> {
    while (this.local < 1) {
      const chunk = Math.max(1, Math.floor(this.rate / 5));
      const granted = await this.draw(chunk);
      this.local += granted;
      if (granted === 0) {
        // Roughly the time for the bucket to refill one token.
        await new Promise((r) => setTimeout(r, Math.max(5, Math.ceil(1000 / this.rate))));
      }
    }
    this.local--;
  }

  private async draw(wanted: number): Promise<number> {
    const rows: Array<{ granted: number }> = await this.dataSource.query(
      `WITH ensure AS (
         INSERT INTO delivery_rate_buckets (name, tokens, refilled_at) VALUES ('send', 0, clock_timestamp())
         ON CONFLICT (name) DO NOTHING
       ), bucket AS (
         SELECT least($1::float8, tokens + extract(epoch FROM clock_timestamp() - refilled_at) * $1::float8) AS available
         FROM delivery_rate_buckets WHERE name = 'send' FOR UPDATE
       ), taken AS (
         UPDATE delivery_rate_buckets b
         SET tokens = bucket.available - least($2::int, floor(bucket.available)), refilled_at = clock_timestamp()
         FROM bucket WHERE b.name = 'send'
         RETURNING least($2::int, floor(bucket.available))::int AS granted
       )
       SELECT granted FROM taken`,
      [this.rate, wanted],
    );
    if (rows.length === 0) {
      this.logger.debug('Rate bucket created; drawing again');
      return 0;
    }
    return Number(rows[0].granted);
  }
}
