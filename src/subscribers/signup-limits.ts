import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { TooManyAttemptsError } from '../common/domain-errors';
import { AppConfig } from '../config/app-config';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Windows older than this are deleted (at most once a minute per process). */
const KEEP_MS = 2 * HOUR_MS;
const TOO_MANY = 'readers.errors.tooMany';
const TOO_MANY_FOR_ADDRESS = 'readers.errors.tooManyForAddress';

/**
 * The signup limits, counted in PostgreSQL (`signup_rate_limits`) so they hold however many web processes
 * share the database: SIGNUP_RATE_LIMIT_PER_MINUTE per client address (req.ip, which believes
 * X-Forwarded-For only from TRUST_PROXY), and SIGNUP_ADDRESS_LIMIT_PER_HOUR per target address
 * (so nobody can flood one reader's inbox from many addresses). Fixed windows; both counters move in the
 * signup's own statement (SubscriptionsService.signup), which stores and mails nothing when a limit is passed. The target key is a sha256 of the address: the table never holds an address.
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

  /**
   * The count of one signup as common-table expressions for the signup's own statement (so a signup is one
   * round trip): `signup_limits` adds one hit to the client's minute and the target's hour and answers
   * `refusal`, the readers.errors.* key of the limit passed, or null. Parameters are numbered from `first`.
   */
  counting(clientAddress: string, emailKey: string, first: number): { with: string; params: unknown[] } {
    const now = this.clock.now().getTime();
    this.pruneNowAndThen(now);
    const $ = (i: number) => `$${first + i}`;
    return {
      with: `
  signup_hits AS (
    INSERT INTO signup_rate_limits (key, window_start, hits)
    VALUES (${$(0)}, ${$(1)}::timestamptz, 1), (${$(2)}, ${$(3)}::timestamptz, 1)
    ON CONFLICT (key, window_start) DO UPDATE SET hits = signup_rate_limits.hits + 1
    RETURNING key, hits
  ),
  signup_limits AS (
    SELECT CASE WHEN coalesce(max(hits) FILTER (WHERE key = ${$(0)}), 0) > ${$(4)}::int THEN '${TOO_MANY}'
                WHEN coalesce(max(hits) FILTER (WHERE key = ${$(2)}), 0) > ${$(5)}::int THEN '${TOO_MANY_FOR_ADDRESS}'
           END AS refusal
    FROM signup_hits
  )`,
      params: [
        `client:${clientAddress}`,
        new Date(now - (now % MINUTE_MS)),
        `target:${createHash('sha256').update(emailKey, 'utf8').digest('hex')}`,
        new Date(now - (now % HOUR_MS)),
        this.config.env.SIGNUP_RATE_LIMIT_PER_MINUTE,
        this.config.env.SIGNUP_ADDRESS_LIMIT_PER_HOUR,
      ],
    };
  }

  /** Throws the refusal `counting` answered (a 429 at the edge; nothing when null). */
  enforce(refusal: string | null): void {
    if (refusal) {
      throw new TooManyAttemptsError(refusal);
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
