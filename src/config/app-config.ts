import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { EnvDto } from './env.dto';
import { parseDnsServers } from './deliverability-env.dto';
import { parseTrustProxy } from './trust-proxy';
import { FeedAllowEntry, parseFeedAllowList } from './feed-allow-list';

export class ConfigError extends Error {}

/** Typed, validated configuration. Built once from the environment; injected everywhere as `AppConfig`. */
export class AppConfig {
  readonly env: EnvDto;
  readonly varDir: string;
  readonly publicBaseUrl: string;
  readonly secretKey: string;
  readonly editorToken: string;
  readonly outboxDir: string;
  readonly embeddedPgDir: string;
  readonly siteOrigins: string[];
  readonly feedUrls: string[];
  /** Express's `trust proxy` from TRUST_PROXY: false (default) ignores X-Forwarded-For. */
  readonly trustProxy: false | number | string[];
  /** FEED_ALLOW_PRIVATE_HOSTS: the non-public hosts and ranges feeds may reach (none by default). */
  readonly feedAllowList: FeedAllowEntry[];

  // Settings grouped by capability, read once from the validated environment. Each field names its variable;
  // docs/configuration.md describes it. Code outside src/config reads these, not `env`.

  /** How this process runs. */
  readonly runtime: Readonly<{
    /** NODE_ENV */
    nodeEnv: EnvDto['NODE_ENV'];
    /** NASHRA_ROLE */
    role: EnvDto['NASHRA_ROLE'];
    /** PORT */
    port: number;
    /** LOG_LEVEL */
    logLevel: string;
  }>;

  readonly database: Readonly<{
    /** DATABASE_URL; unset: an embedded PostgreSQL under EMBEDDED_PG_DIR. */
    url: string | undefined;
  }>;

  /** The publication and how its dates and numbers are shown. */
  readonly publication: Readonly<{
    /** PUBLICATION_NAME */
    name: string;
    /** SITE_URL */
    siteUrl: string;
    /** LOGO_URL */
    logoUrl: string | undefined;
    /** POSTAL_ADDRESS */
    postalAddress: string | undefined;
    /** TIMEZONE */
    timeZone: string;
    /** MONTH_NAMES */
    monthNames: EnvDto['MONTH_NAMES'];
    /** DIGITS */
    digits: EnvDto['DIGITS'];
  }>;

  /** Where mail goes and whom it is from (delivery-env.dto.ts). */
  readonly mail: Readonly<{
    /** MAIL_FROM, with PUBLICATION_NAME as display name when it was a bare address. */
    from: string;
    /** SMTP_URL; unset: messages are written to the outbox. */
    smtpUrl: string | undefined;
    /** UNSUBSCRIBE_MAILTO */
    unsubscribeMailto: string | undefined;
  }>;

  /** DKIM signing keys (delivery-env.dto.ts). */
  readonly dkim: Readonly<{
    /** DKIM_DOMAIN */
    domain: string | undefined;
    /** DKIM_SELECTOR */
    selector: string | undefined;
    /** DKIM_PRIVATE_KEY_FILE */
    privateKeyFile: string | undefined;
    /** DKIM_ED25519_SELECTOR */
    ed25519Selector: string | undefined;
    /** DKIM_ED25519_PRIVATE_KEY_FILE */
    ed25519PrivateKeyFile: string | undefined;
  }>;

  /** Sending pace, retries and outages (delivery-env.dto.ts). */
  readonly delivery: Readonly<{
    /** SMTP_POOL_SIZE */
    poolSize: number;
    /** SEND_RATE_PER_SECOND (0: no limit) */
    sendRatePerSecond: number;
    /** DELIVERY_BATCH_SIZE */
    batchSize: number;
    /** WORKER_HEAP_GROWTH_PERCENT */
    heapGrowthPercent: number;
    /** DELIVERY_MAX_ATTEMPTS */
    maxAttempts: number;
    /** DELIVERY_RETRY_BASE_SECONDS */
    retryBaseSeconds: number;
    /** DELIVERY_LEASE_SECONDS */
    leaseSeconds: number;
    /** DELIVERY_FAILURE_PAUSE_PERCENT */
    failurePausePercent: number;
    /** SMTP_OUTAGE_BACKOFF_SECONDS */
    outageBackoffSeconds: number;
    /** SMTP_OUTAGE_MAX_WAIT_SECONDS */
    outageMaxWaitSeconds: number;
    /** DELIVERY_RETENTION_DAYS */
    retentionDays: number;
  }>;

  /** Bounce and complaint reports (delivery-env.dto.ts). */
  readonly bounces: Readonly<{
    /** BOUNCE_WEBHOOK_SECRET */
    webhookSecret: string | undefined;
    /** MAILGUN_WEBHOOK_SIGNING_KEY */
    mailgunSigningKey: string | undefined;
    /** SOFT_BOUNCE_LIMIT */
    softBounceLimit: number;
    /** SOFT_BOUNCE_WINDOW_DAYS */
    softBounceWindowDays: number;
    /** BOUNCE_IMAP_URL */
    imapUrl: string | undefined;
    /** BOUNCE_IMAP_POLL_SECONDS */
    imapPollSeconds: number;
  }>;

  /** DNS checks, complaint pauses and warm-up (deliverability-env.dto.ts). */
  readonly deliverability: Readonly<{
    /** DNS_SERVERS, parsed; null: the system's resolvers. */
    dnsServers: readonly string[] | null;
    /** COMPLAINT_PAUSE_PERMILLE */
    complaintPausePermille: number;
    /** WARMUP_START_PER_DAY (0: no warm-up) */
    warmUpStartPerDay: number;
    /** WARMUP_GROWTH_PERCENT */
    warmUpGrowthPercent: number;
  }>;

  /** Editors' sign-in. */
  readonly signIn: Readonly<{
    /** OIDC_ISSUER; unset: single sign-on is off. */
    oidcIssuer: string | undefined;
    /** OIDC_CLIENT_ID */
    oidcClientId: string | undefined;
    /** OIDC_CLIENT_SECRET */
    oidcClientSecret: string | undefined;
    /** OIDC_ALLOWED_DOMAINS, lower-cased. */
    oidcAllowedDomains: readonly string[];
    /** OIDC_DEFAULT_ROLE */
    oidcDefaultRole: EnvDto['OIDC_DEFAULT_ROLE'];
    /** Whether EDITOR_TOKEN was set (else a development token was generated, see `editorToken`). */
    editorTokenGiven: boolean;
  }>;

  /** The newsroom's guards. */
  readonly newsroom: Readonly<{
    /** SEND_CONFIRM_THRESHOLD */
    sendConfirmThreshold: number;
  }>;

  /** Sign-up, confirmation and sunset of readers. */
  readonly readers: Readonly<{
    /** CONFIRM_TOKEN_TTL_HOURS */
    confirmTokenTtlHours: number;
    /** SUNSET_AFTER_DAYS (0: off) */
    sunsetAfterDays: number;
    /** SIGNUP_RATE_LIMIT_PER_MINUTE */
    signupRateLimitPerMinute: number;
    /** SIGNUP_ADDRESS_LIMIT_PER_HOUR */
    signupAddressLimitPerHour: number;
    /** SIGNUP_FORM_TEXT */
    signupFormText: string | undefined;
  }>;

  /** Article feeds. */
  readonly feeds: Readonly<{
    /** FEED_URLS, parsed (same list as `feedUrls`). */
    urls: readonly string[];
    /** FEED_POLL_INTERVAL_SECONDS */
    pollIntervalSeconds: number;
    /** FEED_FETCH_TIMEOUT_SECONDS */
    fetchTimeoutSeconds: number;
    /** SUMMARY_MAX_LENGTH */
    summaryMaxLength: number;
  }>;

  /** Digest schedules and contents. */
  readonly digests: Readonly<{
    /** DIGEST_DAILY_CRON */
    dailyCron: string;
    /** DIGEST_WEEKLY_CRON */
    weeklyCron: string;
    /** DIGEST_MAX_ARTICLES */
    maxArticles: number;
    /** DIGEST_ORDER */
    order: EnvDto['DIGEST_ORDER'];
    /** WEEKLY_ORDER */
    weeklyOrder: EnvDto['WEEKLY_ORDER'];
  }>;

  /** Click and open tracking. */
  readonly engagement: Readonly<{
    /** CLICK_TRACKING=on */
    clickTracking: boolean;
    /** OPEN_TRACKING=on */
    openTracking: boolean;
    /** UTM_TAGS: the utm_source of article links; null when UTM_TAGS=off. */
    utmSource: string | null;
  }>;

  constructor(env: EnvDto) {
    this.env = env;
    this.varDir = resolve(env.VAR_DIR);
    this.publicBaseUrl = (env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
    this.outboxDir = resolve(env.OUTBOX_DIR ?? join(this.varDir, 'outbox'));
    this.embeddedPgDir = resolve(env.EMBEDDED_PG_DIR ?? join(this.varDir, 'postgres'));
    this.siteOrigins = (env.SITE_ORIGINS ?? new URL(env.SITE_URL).origin)
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((o) => o.replace(/\/+$/, ''));
    this.feedUrls = (env.FEED_URLS ?? '').split(/[\s,]+/).filter(Boolean);
    this.trustProxy = parseTrustProxy(env.TRUST_PROXY) ?? false;
    this.feedAllowList = parseFeedAllowList(env.FEED_ALLOW_PRIVATE_HOSTS) ?? [];
    this.secretKey = env.SECRET_KEY ?? this.developmentSecret('secret-key', 'SECRET_KEY');
    this.editorToken = env.EDITOR_TOKEN ?? this.developmentSecret('editor-token', 'EDITOR_TOKEN');

    this.runtime = Object.freeze({
      nodeEnv: env.NODE_ENV,
      role: env.NASHRA_ROLE,
      port: env.PORT,
      logLevel: env.LOG_LEVEL,
    });
    this.database = Object.freeze({ url: env.DATABASE_URL });
    this.publication = Object.freeze({
      name: env.PUBLICATION_NAME,
      siteUrl: env.SITE_URL,
      logoUrl: env.LOGO_URL,
      postalAddress: env.POSTAL_ADDRESS,
      timeZone: env.TIMEZONE,
      monthNames: env.MONTH_NAMES,
      digits: env.DIGITS,
    });
    this.mail = Object.freeze({
      from: env.MAIL_FROM,
      smtpUrl: env.SMTP_URL,
      unsubscribeMailto: env.UNSUBSCRIBE_MAILTO,
    });
    this.dkim = Object.freeze({
      domain: env.DKIM_DOMAIN,
      selector: env.DKIM_SELECTOR,
      privateKeyFile: env.DKIM_PRIVATE_KEY_FILE,
      ed25519Selector: env.DKIM_ED25519_SELECTOR,
      ed25519PrivateKeyFile: env.DKIM_ED25519_PRIVATE_KEY_FILE,
    });
    this.delivery = Object.freeze({
      poolSize: env.SMTP_POOL_SIZE,
      sendRatePerSecond: env.SEND_RATE_PER_SECOND,
      batchSize: env.DELIVERY_BATCH_SIZE,
      heapGrowthPercent: env.WORKER_HEAP_GROWTH_PERCENT,
      maxAttempts: env.DELIVERY_MAX_ATTEMPTS,
      retryBaseSeconds: env.DELIVERY_RETRY_BASE_SECONDS,
      leaseSeconds: env.DELIVERY_LEASE_SECONDS,
      failurePausePercent: env.DELIVERY_FAILURE_PAUSE_PERCENT,
      outageBackoffSeconds: env.SMTP_OUTAGE_BACKOFF_SECONDS,
      outageMaxWaitSeconds: env.SMTP_OUTAGE_MAX_WAIT_SECONDS,
      retentionDays: env.DELIVERY_RETENTION_DAYS,
    });
    this.bounces = Object.freeze({
      webhookSecret: env.BOUNCE_WEBHOOK_SECRET,
      mailgunSigningKey: env.MAILGUN_WEBHOOK_SIGNING_KEY,
      softBounceLimit: env.SOFT_BOUNCE_LIMIT,
      softBounceWindowDays: env.SOFT_BOUNCE_WINDOW_DAYS,
      imapUrl: env.BOUNCE_IMAP_URL,
      imapPollSeconds: env.BOUNCE_IMAP_POLL_SECONDS,
    });
    const dnsServers = env.DNS_SERVERS ? parseDnsServers(env.DNS_SERVERS) : null;
    this.deliverability = Object.freeze({
      dnsServers: dnsServers ? Object.freeze(dnsServers) : null,
      complaintPausePermille: env.COMPLAINT_PAUSE_PERMILLE,
      warmUpStartPerDay: env.WARMUP_START_PER_DAY,
      warmUpGrowthPercent: env.WARMUP_GROWTH_PERCENT,
    });
    this.signIn = Object.freeze({
      oidcIssuer: env.OIDC_ISSUER,
      oidcClientId: env.OIDC_CLIENT_ID,
      oidcClientSecret: env.OIDC_CLIENT_SECRET,
      oidcAllowedDomains: Object.freeze(
        (env.OIDC_ALLOWED_DOMAINS ?? '')
          .split(',')
          .map((d) => d.trim().toLowerCase())
          .filter(Boolean),
      ),
      oidcDefaultRole: env.OIDC_DEFAULT_ROLE,
      editorTokenGiven: Boolean(env.EDITOR_TOKEN),
    });
    this.newsroom = Object.freeze({ sendConfirmThreshold: env.SEND_CONFIRM_THRESHOLD });
    this.readers = Object.freeze({
      confirmTokenTtlHours: env.CONFIRM_TOKEN_TTL_HOURS,
      sunsetAfterDays: env.SUNSET_AFTER_DAYS,
      signupRateLimitPerMinute: env.SIGNUP_RATE_LIMIT_PER_MINUTE,
      signupAddressLimitPerHour: env.SIGNUP_ADDRESS_LIMIT_PER_HOUR,
      signupFormText: env.SIGNUP_FORM_TEXT,
    });
    this.feeds = Object.freeze({
      urls: Object.freeze([...this.feedUrls]),
      pollIntervalSeconds: env.FEED_POLL_INTERVAL_SECONDS,
      fetchTimeoutSeconds: env.FEED_FETCH_TIMEOUT_SECONDS,
      summaryMaxLength: env.SUMMARY_MAX_LENGTH,
    });
    this.digests = Object.freeze({
      dailyCron: env.DIGEST_DAILY_CRON,
      weeklyCron: env.DIGEST_WEEKLY_CRON,
      maxArticles: env.DIGEST_MAX_ARTICLES,
      order: env.DIGEST_ORDER,
      weeklyOrder: env.WEEKLY_ORDER,
    });
    this.engagement = Object.freeze({
      clickTracking: env.CLICK_TRACKING === 'on',
      openTracking: env.OPEN_TRACKING === 'on',
      utmSource: env.UTM_TAGS === 'off' ? null : env.UTM_TAGS,
    });
  }

  /** Scheduled jobs and delivery workers run in the `all` and `worker` roles. */
  get runsBackgroundWork(): boolean {
    return this.env.NASHRA_ROLE !== 'web';
  }

  /** HTTP is served in the `all` and `web` roles. */
  get servesHttp(): boolean {
    return this.env.NASHRA_ROLE !== 'worker';
  }

  get isProduction(): boolean {
    return this.env.NODE_ENV === 'production';
  }

  /** Absolute URL on nashra's public address, e.g. `url('/subscriptions/confirm')`. */
  url(path: string): string {
    return `${this.publicBaseUrl}${path.startsWith('/') ? path : `/${path}`}`;
  }

  /** The sender's domain, used for Message-ID and List-Id. */
  get mailDomain(): string {
    const match = /@([^>\s]+)>?\s*$/.exec(this.env.MAIL_FROM);
    return match ? match[1].toLowerCase() : 'localhost';
  }

  // In development a missing secret is generated once and kept under VAR_DIR so links stay valid across
  // restarts; production must be configured explicitly.
  private developmentSecret(file: string, name: string): string {
    if (this.isProduction) {
      throw new ConfigError(`${name} is required when NODE_ENV=production`);
    }
    const path = join(this.varDir, file);
    if (existsSync(path)) {
      return readFileSync(path, 'utf8').trim();
    }
    mkdirSync(this.varDir, { recursive: true });
    const value = randomBytes(32).toString('base64url');
    writeFileSync(path, value + '\n', { mode: 0o600 });
    return value;
  }
}

/** Validates an environment (normally `process.env`); throws a ConfigError naming every bad variable. */
export function loadConfig(raw: Record<string, string | undefined> = process.env): AppConfig {
  const input: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && envKeys().has(key)) {
      input[key] = value;
    }
  }
  const env = plainToInstance(EnvDto, input, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}: ${describe(e.constraints ?? {})}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (env.NODE_ENV === 'production' && !env.POSTAL_ADDRESS) {
    throw new ConfigError('Invalid configuration:\n  POSTAL_ADDRESS is required when NODE_ENV=production');
  }
  // Readers know the publication, not the software: a bare sender address is shown under its name.
  if (!env.MAIL_FROM.includes('<')) {
    env.MAIL_FROM = `${env.PUBLICATION_NAME.replace(/[<>"]/g, '')} <${env.MAIL_FROM.trim()}>`;
  }
  return new AppConfig(env);
}

// When a value is of the wrong kind ("abc" for a port), its range errors only add noise.
const KIND_CHECKS = ['isInt', 'isIn', 'isUrl', 'matches', 'isString', 'isTimeZone'];
function describe(constraints: Record<string, string>): string {
  const kind = Object.keys(constraints).filter((name) => KIND_CHECKS.includes(name));
  return (kind.length > 0 ? kind : Object.keys(constraints)).map((name) => constraints[name]).join('; ');
}

let knownKeys: Set<string> | undefined;
/** The variable names EnvDto declares (every property carries at least one validation rule). */
function envKeys(): Set<string> {
  knownKeys ??= new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(EnvDto, '', true, false)
      .map((m) => m.propertyName),
  );
  return knownKeys;
}
