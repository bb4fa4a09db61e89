import { Transform } from 'class-transformer';
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
  ValidateIf,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { DeliverabilityEnvDto } from './deliverability-env.dto';
import { emptyToUndefined, toInt } from './env-transforms';
import { parseTrustProxy } from './trust-proxy';
import { parseFeedAllowList } from './feed-allow-list';

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

@ValidatorConstraint({ name: 'isFeedAllowList' })
class IsFeedAllowList implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && parseFeedAllowList(value) !== null;
  }
  defaultMessage(): string {
    return 'FEED_ALLOW_PRIVATE_HOSTS must be a comma-separated list of host names, addresses or CIDR ranges, each optionally with :port';
  }
}

const cronPattern = /^(\S+\s+){4,5}\S+$/;

/**
 * Every environment variable nashra reads, with its rules. `.env.example` documents each one;
 * `loadConfig` turns a bad value into a start-up error that names the variable. The delivery settings
 * live in DeliveryEnvDto (delivery-env.dto.ts), the deliverability ones in DeliverabilityEnvDto, which this
 * class extends.
 */
export class EnvDto extends DeliverabilityEnvDto {
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

  /** A send now or breaking alert to more readers than this asks for the second step again (issue 22). */
  @Transform(toInt)
  @IsInt({ message: 'SEND_CONFIRM_THRESHOLD must be a whole number of readers (0 or more)' })
  @Min(0)
  SEND_CONFIRM_THRESHOLD = 1000;

  // Single sign-on (OpenID Connect): on when OIDC_ISSUER is set.
  @Transform(emptyToUndefined)
  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'OIDC_ISSUER must be an http(s) URL' })
  @IsOptional()
  OIDC_ISSUER?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((env: EnvDto) => env.OIDC_ISSUER !== undefined)
  @IsString({ message: 'OIDC_CLIENT_ID is required when OIDC_ISSUER is set' })
  @MinLength(1)
  OIDC_CLIENT_ID?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((env: EnvDto) => env.OIDC_ISSUER !== undefined)
  @IsString({ message: 'OIDC_CLIENT_SECRET is required when OIDC_ISSUER is set' })
  @MinLength(1)
  OIDC_CLIENT_SECRET?: string;

  /** Email domains whose people may sign in (and get an account on first sign-in), comma-separated. */
  @Transform(emptyToUndefined)
  @ValidateIf((env: EnvDto) => env.OIDC_ISSUER !== undefined)
  @Matches(/^\s*[a-z0-9.-]+\.[a-z]{2,}\s*(,\s*[a-z0-9.-]+\.[a-z]{2,}\s*)*$/i, {
    message: 'OIDC_ALLOWED_DOMAINS must be a comma-separated list of email domains (required with OIDC_ISSUER)',
  })
  OIDC_ALLOWED_DOMAINS?: string;

  @IsIn(['owner', 'chief', 'editor', 'writer', 'analyst'], {
    message: 'OIDC_DEFAULT_ROLE must be owner, chief, editor, writer or analyst',
  })
  OIDC_DEFAULT_ROLE: 'owner' | 'chief' | 'editor' | 'writer' | 'analyst' = 'writer';

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

  @Transform(emptyToUndefined)
  @Validate(IsFeedAllowList)
  @IsOptional()
  FEED_ALLOW_PRIVATE_HOSTS?: string;

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
}
