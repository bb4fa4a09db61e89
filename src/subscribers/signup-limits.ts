import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { TooManyAttemptsError } from '../common/domain-errors';
import { AppConfig } from '../config/app-config';
import { SubscribersRepository, type SignupWindows } from './subscribers.repository';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Windows older than this are deleted (at most once a minute per process). */
const KEEP_MS = 2 * HOUR_MS;

/**
 * The signup limits, counted in PostgreSQL (`signup_rate_limits`) so they hold however many web processes
 * share the database: SIGNUP_RATE_LIMIT_PER_MINUTE per client address (req.ip, which believes
 * X-Forwarded-For only from TRUST_PROXY), and SIGNUP_ADDRESS_LIMIT_PER_HOUR per target address
 * (so nobody can flood one reader's inbox from many addresses). Fixed windows; both counters move in the
 * signup's own statement (SubscribersRepository.signup), which stores and mails nothing when a limit is passed.
 * The target key is a sha256 of the address: the table never holds an address.
 */
@Injectable()
export class SignupLimits {
  private readonly logger = new Logger(SignupLimits.name);
  private lastPrune = 0;

  constructor(
    private readonly readers: SubscribersRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /**
   * The windows one signup counts in (the signup's statement adds one hit to each and answers `refusal`, the
   * SIGNUP_REFUSALS key of the limit passed, or null): the client's minute and the target address's hour.
   */
  windows(clientAddress: string, emailKey: string): SignupWindows {
    const now = this.clock.now().getTime();
    this.pruneNowAndThen(now);
    return {
      clientKey: `client:${clientAddress}`,
      clientWindow: new Date(now - (now % MINUTE_MS)),
      targetKey: `target:${createHash('sha256').update(emailKey, 'utf8').digest('hex')}`,
      targetWindow: new Date(now - (now % HOUR_MS)),
      clientLimit: this.config.readers.signupRateLimitPerMinute,
      targetLimit: this.config.readers.signupAddressLimitPerHour,
    };
  }

  /** Throws the refusal the signup answered (a 429 at the edge; nothing when null). */
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
    this.readers
      .pruneSignupLimits(new Date(now - KEEP_MS))
      .catch((err: unknown) => this.logger.warn(`Could not prune old signup limit windows: ${String(err)}`));
  }
}
