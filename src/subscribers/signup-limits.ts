import { createHash } from 'node:crypto';
import { HttpException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Windows older than this are deleted (at most once a minute per process). */
const KEEP_MS = 2 * HOUR_MS;

/**
 * The signup limits, counted in PostgreSQL (`signup_rate_limits`) so they hold however many web processes
 * share the database: SIGNUP_RATE_LIMIT_PER_MINUTE per client address (req.ip, which believes
 * X-Forwarded-For only from TRUST_PROXY), and SIGNUP_ADDRESS_LIMIT_PER_HOUR per target address
 * (so nobody can flood one reader's inbox from many addresses). Fixed windows; both counters move in one
 * statement. The target key is a sha256 of the address: the table never holds an address.
 */
@Injectable()
export class SignupLimits {
  private readonly logger = new Logger(SignupLimits.name);
  private lastPrune = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** Counts one signup; throws 429 (`readers.errors.*` message) when either limit is passed. */
  async hit(clientAddress: string, emailKey: string): Promise<void> {
    const now = this.clock.now().getTime();
    const client = `client:${clientAddress}`;
    const target = `target:${createHash('sha256').update(emailKey, 'utf8').digest('hex')}`;
    const rows = (await this.dataSource.query(
      `INSERT INTO signup_rate_limits (key, window_start, hits)
       VALUES ($1, $2, 1), ($3, $4, 1)
       ON CONFLICT (key, window_start) DO UPDATE SET hits = signup_rate_limits.hits + 1
       RETURNING key, hits`,
      [client, new Date(now - (now % MINUTE_MS)), target, new Date(now - (now % HOUR_MS))],
    )) as Array<{ key: string; hits: number }>;
    this.pruneNowAndThen(now);
    const hits = new Map(rows.map((r) => [r.key, r.hits]));
    if ((hits.get(client) ?? 0) > this.config.env.SIGNUP_RATE_LIMIT_PER_MINUTE) {
      throw new HttpException('readers.errors.tooMany', HttpStatus.TOO_MANY_REQUESTS);
    }
    if ((hits.get(target) ?? 0) > this.config.env.SIGNUP_ADDRESS_LIMIT_PER_HOUR) {
      throw new HttpException('readers.errors.tooManyForAddress', HttpStatus.TOO_MANY_REQUESTS);
    }
  }

  private pruneNowAndThen(now: number): void {
    if (now - this.lastPrune < MINUTE_MS) {
      return;
    }
    this.lastPrune = now;
    this.dataSource
      .query('DELETE FROM signup_rate_limits WHERE window_start < $1', [new Date(now - KEEP_MS)])
      .catch((err: unknown) => this.logger.warn(`Could not prune old signup limit windows: ${String(err)}`));
  }
}
