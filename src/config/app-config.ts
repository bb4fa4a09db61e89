import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { EnvDto } from './env.dto';
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
