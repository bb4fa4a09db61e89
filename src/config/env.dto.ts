import { Transform } from 'class-transformer';
import { parseTrustProxy } from './trust-proxy';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
@ValidatorConstraint({ name: 'isTimeZone' })
class IsTimeZone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    try {
      new Intl.DateTimeFormat('en', { timeZone: String(value) });
      return true;
    } catch {
      return false;
    }
  }
  defaultMessage(): string {
    return 'TIMEZONE must be an IANA time zone such as Asia/Baghdad';
  }
}

/** `TRUST_PROXY`: a hop count, or a comma-separated list of addresses, CIDR ranges and Express's names. */
@ValidatorConstraint({ name: 'isTrustProxy' })
class IsTrustProxy implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && parseTrustProxy(value) !== null;
  }
  defaultMessage(): string {
    return 'TRUST_PROXY must be a number of proxy hops, or a comma-separated list of proxy addresses or CIDR ranges (or loopback, linklocal, uniquelocal)';
  }
}

/** `BOUNCE_IMAP_URL`: an imap(s):// URL with a host; the message never repeats the value (it holds a password). */
@ValidatorConstraint({ name: 'isImapUrl' })
class IsImapUrl implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    try {
      const url = new URL(String(value));
      return (url.protocol === 'imap:' || url.protocol === 'imaps:') && url.hostname.length > 0;
    } catch {
      return false;
    }
  }
  defaultMessage(): string {
    return 'BOUNCE_IMAP_URL must be an imap:// or imaps:// URL such as imaps://user:password@host:993/INBOX';
  }
}

const cronPattern = /^(\S+\s+){4,5}\S+$/;

/**
 * Every environment variable nashra reads, with its rules. `.env.example` documents each one;
 * `validateEnv` turns a bad value into a start-up error that names the variable.
 */
export class EnvDto {
  @IsIn(['development', 'production', 'test'])
  @IsOptional()
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt({ message: 'PORT must be a whole number between 0 and 65535' })
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Transform(emptyToUndefined)
  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'PUBLIC_BASE_URL must be an http(s) URL' })
  @IsOptional()
  PUBLIC_BASE_URL?: string;

  @Transform(emptyToUndefined)
  @Validate(IsTrustProxy)
  @IsOptional()
  TRUST_PROXY?: string;

  @Transform(emptyToUndefined)
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  @IsOptional()
  DATABASE_URL?: string;

  @IsString()
  @IsOptional()
  EMBEDDED_PG_DIR?: string;

  @IsString()
  VAR_DIR = './var';

  @Transform(emptyToUndefined)
  @Matches(/^smtps?:\/\//, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  @IsOptional()
  SMTP_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  SMTP_POOL_SIZE = 5;

  @IsString()
  @IsOptional()
  OUTBOX_DIR?: string;

  // A bare address gets PUBLICATION_NAME as display name (see loadConfig).
  @IsString()
  @MinLength(3)
  MAIL_FROM = 'newsletter@localhost';

  @IsString()
  @MinLength(1)
  PUBLICATION_NAME = 'الحل نت';

  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'SITE_URL must be an http(s) URL' })
  SITE_URL = 'http://localhost:8080';

  // Digest design
  @Transform(emptyToUndefined)
  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'LOGO_URL must be an http(s) URL' })
  @IsOptional()
  LOGO_URL?: string;

  /** The publication's postal address, shown in every digest's footer (anti-spam laws require one). */
  @Transform(emptyToUndefined)
  @IsString()
  @IsOptional()
  POSTAL_ADDRESS?: string;

  @IsIn(['levant', 'egypt', 'maghreb'], { message: 'MONTH_NAMES must be levant, egypt or maghreb' })
  MONTH_NAMES: 'levant' | 'egypt' | 'maghreb' = 'levant';

  @IsIn(['latin', 'arabic'], { message: 'DIGITS must be latin or arabic' })
  DIGITS: 'latin' | 'arabic' = 'latin';

  @IsString()
  @IsOptional()
  SITE_ORIGINS?: string;

  @IsString()
  @Validate(IsTimeZone)
  TIMEZONE = 'Asia/Baghdad';

  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(32, { message: 'SECRET_KEY must be at least 32 characters' })
  @IsOptional()
  SECRET_KEY?: string;

  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(16, { message: 'EDITOR_TOKEN must be at least 16 characters' })
  @IsOptional()
  EDITOR_TOKEN?: string;

  @IsIn(['all', 'web', 'worker'], { message: 'NASHRA_ROLE must be all, web or worker' })
  NASHRA_ROLE: 'all' | 'web' | 'worker' = 'all';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  // Readers
  @Transform(toInt)
  @IsInt()
  @Min(1)
  CONFIRM_TOKEN_TTL_HOURS = 48;

  /** Readers with no engagement for this many days get one "still want this?" email; 0 turns it off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SUNSET_AFTER_DAYS = 0;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  SIGNUP_RATE_LIMIT_PER_MINUTE = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  SIGNUP_ADDRESS_LIMIT_PER_HOUR = 3;

  @Transform(emptyToUndefined)
  @IsString()
  @Matches(/^[^<>\r\n]{1,600}$/, { message: 'SIGNUP_FORM_TEXT must be one line of plain text (no < or >)' })
  @IsOptional()
  SIGNUP_FORM_TEXT?: string;

  // Articles
  @IsString()
  @IsOptional()
  FEED_URLS?: string;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  FEED_POLL_INTERVAL_SECONDS = 300;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  FEED_FETCH_TIMEOUT_SECONDS = 20;

  @Transform(toInt)
  @IsInt()
  @Min(40)
  SUMMARY_MAX_LENGTH = 280;

  // Digests
  @Matches(cronPattern, { message: 'DIGEST_DAILY_CRON must be a cron expression' })
  DIGEST_DAILY_CRON = '0 7 * * *';

  @Matches(cronPattern, { message: 'DIGEST_WEEKLY_CRON must be a cron expression' })
  DIGEST_WEEKLY_CRON = '0 7 * * 5';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  DIGEST_MAX_ARTICLES = 10;

  @IsIn(['newest', 'oldest'])
  DIGEST_ORDER: 'newest' | 'oldest' = 'newest';

  /** `most-read`: a weekly edition leads with the week's most-clicked stories (recency when nothing was clicked). */
  @IsIn(['most-read', 'recent'], { message: 'WEEKLY_ORDER must be most-read or recent' })
  WEEKLY_ORDER: 'most-read' | 'recent' = 'most-read';

  // Engagement
  /** `on`: article links go through /r/<token> (one click recorded per reader and link); `off`: direct links. */
  @IsIn(['on', 'off'], { message: 'CLICK_TRACKING must be on or off' })
  CLICK_TRACKING: 'on' | 'off' = 'on';

  /** `on`: a 1×1 pixel per delivery records opens (machine prefetches counted apart). Off by default. */
  @IsIn(['on', 'off'], { message: 'OPEN_TRACKING must be on or off' })
  OPEN_TRACKING: 'on' | 'off' = 'off';

  /** utm_source of article links (`utm_medium=email`, `utm_campaign=<edition key>`); `off`: no UTM tags. */
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'UTM_TAGS must be off or a utm_source name (letters, digits, . _ -)' })
  UTM_TAGS = 'nashra';

  // Delivery
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SEND_RATE_PER_SECOND = 0;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5000)
  DELIVERY_BATCH_SIZE = 200;

  /** How far V8 lets a sending process's heap grow past its live size before a full collection (0: V8's own). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(400)
  WORKER_HEAP_GROWTH_PERCENT = 50;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  DELIVERY_MAX_ATTEMPTS = 5;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  DELIVERY_RETRY_BASE_SECONDS = 60;

  @Transform(toInt)
  @IsInt()
  @Min(5)
  DELIVERY_LEASE_SECONDS = 120;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100)
  DELIVERY_FAILURE_PAUSE_PERCENT = 20;

  /** First pause of all sending when the SMTP server cannot be reached; doubles on each further failed try. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SMTP_OUTAGE_BACKOFF_SECONDS = 15;

  /** Longest pause between two tries of an unreachable SMTP server. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SMTP_OUTAGE_MAX_WAIT_SECONDS = 300;

  @IsString()
  @IsOptional()
  UNSUBSCRIBE_MAILTO?: string;

  /** Key of the HMAC-SHA256 signature (X-Nashra-Signature) on POST /webhooks/bounces; unset: the route is off. */
  @IsString()
  @MinLength(16, { message: 'BOUNCE_WEBHOOK_SECRET must be at least 16 characters' })
  @IsOptional()
  BOUNCE_WEBHOOK_SECRET?: string;

  /** Mailgun's HTTP webhook signing key: turns on POST /webhooks/bounces/mailgun. */
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(16, { message: 'MAILGUN_WEBHOOK_SIGNING_KEY must be at least 16 characters' })
  @IsOptional()
  MAILGUN_WEBHOOK_SIGNING_KEY?: string;

  /** Soft bounces (mailbox full…) within SOFT_BOUNCE_WINDOW_DAYS that make a reader bounced. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SOFT_BOUNCE_LIMIT = 3;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  SOFT_BOUNCE_WINDOW_DAYS = 30;

  /** The bounce mailbox, imaps://user:password@host:993/INBOX; unset: no mailbox is polled. */
  @Transform(emptyToUndefined)
  @IsString()
  @Validate(IsImapUrl)
  @IsOptional()
  BOUNCE_IMAP_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(5)
  BOUNCE_IMAP_POLL_SECONDS = 60;

  @IsString()
  @IsOptional()
  DKIM_DOMAIN?: string;

  @IsString()
  @IsOptional()
  DKIM_SELECTOR?: string;

  @IsString()
  @IsOptional()
  DKIM_PRIVATE_KEY_FILE?: string;
}
