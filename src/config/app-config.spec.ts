import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  let varDir: string;

  beforeEach(() => {
    varDir = mkdtempSync(join(tmpdir(), 'nashra-config-'));
  });
  afterEach(() => {
    rmSync(varDir, { recursive: true, force: true });
  });

  function errorOf(env: Record<string, string>): ConfigError {
    try {
      loadConfig({ VAR_DIR: varDir, ...env });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('loadConfig accepted an invalid environment');
  }

  it('rejects a PORT that is not a number and names PORT', () => {
    expect(errorOf({ PORT: 'abc' }).message).toMatch(/^\s*PORT: /m);
  });

  it('requires POSTAL_ADDRESS in production and names it', () => {
    const env = { NODE_ENV: 'production', SECRET_KEY: 'k'.repeat(40), EDITOR_TOKEN: 't'.repeat(20) };
    expect(errorOf(env).message).toMatch(/POSTAL_ADDRESS is required/);
    expect(loadConfig({ VAR_DIR: varDir, ...env, POSTAL_ADDRESS: 'بغداد' }).env.POSTAL_ADDRESS).toBe('بغداد');
  });

  it('sends under the publication name when MAIL_FROM is a bare address', () => {
    expect(loadConfig({ VAR_DIR: varDir, PUBLICATION_NAME: 'الحل نت' }).env.MAIL_FROM).toBe(
      'الحل نت <newsletter@localhost>',
    );
    expect(loadConfig({ VAR_DIR: varDir, MAIL_FROM: 'نشرة <a@b.net>' }).env.MAIL_FROM).toBe('نشرة <a@b.net>');
  });

  it('rejects a PORT out of range', () => {
    expect(errorOf({ PORT: '70000' }).message).toMatch(/\bPORT\b/);
  });

  it('names every bad variable at once, and only those', () => {
    const message = errorOf({
      PORT: 'abc',
      SMTP_URL: 'http://mail.example.net',
      TIMEZONE: 'Mars/Olympus',
      SITE_URL: 'not a url',
    }).message;
    for (const name of ['PORT', 'SMTP_URL', 'TIMEZONE', 'SITE_URL']) {
      expect(message).toMatch(new RegExp(`^\\s*${name}: `, 'm'));
    }
    expect(message).not.toMatch(/DATABASE_URL|MAIL_FROM/);
  });

  it('rejects a DATABASE_URL that is not a postgres URL', () => {
    expect(errorOf({ DATABASE_URL: 'mysql://root@localhost/db' }).message).toMatch(/DATABASE_URL/);
  });

  it('ignores variables it does not know and reads the ones it does', () => {
    const config = loadConfig({
      VAR_DIR: varDir,
      PORT: '8081',
      HOME: '/root',
      PUBLIC_BASE_URL: 'https://news.example.net/',
      TIMEZONE: 'Europe/Berlin',
    });
    expect(config.env.PORT).toBe(8081);
    expect(config.env.TIMEZONE).toBe('Europe/Berlin');
    expect(config.url('/health')).toBe('https://news.example.net/health');
    expect(config.env).not.toHaveProperty('HOME');
  });

  it('treats an empty DATABASE_URL as unset (embedded PostgreSQL)', () => {
    expect(loadConfig({ VAR_DIR: varDir, DATABASE_URL: '' }).env.DATABASE_URL).toBeUndefined();
  });

  describe('groups by capability', () => {
    it('holds the parsed values of the given environment: numbers as numbers, lists split once, switches as booleans', () => {
      const config = loadConfig({
        VAR_DIR: varDir,
        PORT: '8081',
        NASHRA_ROLE: 'worker',
        DATABASE_URL: 'postgres://u@db.example.net/nashra',
        PUBLICATION_NAME: 'نشرة',
        MAIL_FROM: 'news@example.net',
        TIMEZONE: 'Africa/Cairo',
        DIGITS: 'arabic',
        SMTP_URL: 'smtp://mail.example.net:2525',
        SMTP_POOL_SIZE: '7',
        DELIVERY_BATCH_SIZE: '500',
        DELIVERY_RETENTION_DAYS: '90',
        DNS_SERVERS: '10.0.0.2, 10.0.0.3:5353',
        COMPLAINT_PAUSE_PERMILLE: '5',
        OIDC_ISSUER: 'https://id.example.net',
        OIDC_CLIENT_ID: 'nashra',
        OIDC_CLIENT_SECRET: 'secret',
        OIDC_ALLOWED_DOMAINS: 'Example.net, staff.example.org',
        CONFIRM_TOKEN_TTL_HOURS: '24',
        FEED_URLS: 'https://a.example.net/feed,  https://b.example.net/feed',
        FEED_POLL_INTERVAL_SECONDS: '600',
        DIGEST_MAX_ARTICLES: '12',
        WEEKLY_ORDER: 'recent',
        CLICK_TRACKING: 'off',
        OPEN_TRACKING: 'on',
        UTM_TAGS: 'alhal',
        SEND_CONFIRM_THRESHOLD: '50',
      });
      expect(config.runtime).toMatchObject({ port: 8081, role: 'worker', nodeEnv: 'development' });
      expect(config.database.url).toBe('postgres://u@db.example.net/nashra');
      expect(config.publication).toMatchObject({ name: 'نشرة', timeZone: 'Africa/Cairo', digits: 'arabic' });
      expect(config.mail).toMatchObject({ from: 'نشرة <news@example.net>', smtpUrl: 'smtp://mail.example.net:2525' });
      expect(config.delivery).toMatchObject({ poolSize: 7, batchSize: 500, retentionDays: 90 });
      expect(config.deliverability).toMatchObject({
        dnsServers: ['10.0.0.2', '10.0.0.3:5353'],
        complaintPausePermille: 5,
      });
      expect(config.signIn).toMatchObject({
        oidcIssuer: 'https://id.example.net',
        oidcAllowedDomains: ['example.net', 'staff.example.org'],
      });
      expect(config.readers.confirmTokenTtlHours).toBe(24);
      expect(config.feeds).toMatchObject({
        urls: ['https://a.example.net/feed', 'https://b.example.net/feed'],
        pollIntervalSeconds: 600,
      });
      expect(config.digests).toMatchObject({ maxArticles: 12, weeklyOrder: 'recent' });
      expect(config.engagement).toEqual({ clickTracking: false, openTracking: true, utmSource: 'alhal' });
      expect(config.newsroom.sendConfirmThreshold).toBe(50);
    });

    it('holds the documented defaults when nothing is set', () => {
      const config = loadConfig({ VAR_DIR: varDir });
      expect(config.runtime).toEqual({ nodeEnv: 'development', role: 'all', port: 3000, logLevel: 'info' });
      expect(config.database.url).toBeUndefined();
      expect(config.publication).toMatchObject({ timeZone: 'Asia/Baghdad', monthNames: 'levant', digits: 'latin' });
      expect(config.mail.smtpUrl).toBeUndefined();
      expect(config.delivery).toEqual({
        poolSize: 5,
        sendRatePerSecond: 0,
        batchSize: 200,
        heapGrowthPercent: 50,
        maxAttempts: 5,
        retryBaseSeconds: 60,
        leaseSeconds: 120,
        failurePausePercent: 20,
        outageBackoffSeconds: 15,
        outageMaxWaitSeconds: 300,
        retentionDays: 180,
      });
      expect(config.bounces).toMatchObject({ softBounceLimit: 3, softBounceWindowDays: 30, imapPollSeconds: 60 });
      expect(config.deliverability).toEqual({
        dnsServers: null,
        complaintPausePermille: 3,
        warmUpStartPerDay: 0,
        warmUpGrowthPercent: 50,
      });
      expect(config.signIn).toMatchObject({ oidcIssuer: undefined, oidcAllowedDomains: [], editorTokenGiven: false });
      expect(config.readers).toMatchObject({ confirmTokenTtlHours: 48, sunsetAfterDays: 0 });
      expect(config.feeds).toEqual({
        urls: [],
        pollIntervalSeconds: 300,
        fetchTimeoutSeconds: 20,
        summaryMaxLength: 280,
      });
      expect(config.digests).toEqual({
        dailyCron: '0 7 * * *',
        weeklyCron: '0 7 * * 5',
        maxArticles: 10,
        order: 'newest',
        weeklyOrder: 'most-read',
      });
      expect(config.engagement).toEqual({ clickTracking: true, openTracking: false, utmSource: 'nashra' });
      expect(config.newsroom.sendConfirmThreshold).toBe(1000);
    });

    it('turns UTM_TAGS=off into no utm_source, and cannot be changed once built', () => {
      const config = loadConfig({ VAR_DIR: varDir, UTM_TAGS: 'off' });
      expect(config.engagement.utmSource).toBeNull();
      expect(Object.isFrozen(config.delivery)).toBe(true);
      expect(() => {
        (config.delivery as { batchSize: number }).batchSize = 1;
      }).toThrow(TypeError);
    });
  });

  describe('in production', () => {
    const production = { NODE_ENV: 'production', POSTAL_ADDRESS: 'بغداد' };
    const secret = 'a-production-secret-key-of-enough-length-0123';
    const editorToken = 'an-editor-token-0123456789';

    it('requires SECRET_KEY and names it', () => {
      expect(errorOf({ ...production, EDITOR_TOKEN: editorToken }).message).toMatch(/SECRET_KEY is required/);
    });

    it('requires EDITOR_TOKEN and names it', () => {
      expect(errorOf({ ...production, SECRET_KEY: secret }).message).toMatch(/EDITOR_TOKEN is required/);
    });

    it('rejects a short SECRET_KEY', () => {
      expect(errorOf({ ...production, SECRET_KEY: 'short', EDITOR_TOKEN: editorToken }).message).toMatch(
        /SECRET_KEY must be at least 32/,
      );
    });

    it('starts with both set and writes no secret to disk', () => {
      const config = loadConfig({ ...production, VAR_DIR: varDir, SECRET_KEY: secret, EDITOR_TOKEN: editorToken });
      expect(config.secretKey).toBe(secret);
      expect(config.editorToken).toBe(editorToken);
      expect(() => statSync(join(varDir, 'secret-key'))).toThrow();
    });
  });

  describe('in development', () => {
    it('generates SECRET_KEY once under VAR_DIR and reuses it on the next start', () => {
      const first = loadConfig({ VAR_DIR: varDir });
      expect(first.secretKey.length).toBeGreaterThanOrEqual(32);
      const file = join(varDir, 'secret-key');
      expect(readFileSync(file, 'utf8').trim()).toBe(first.secretKey);
      // Only the owner may read it.
      expect(statSync(file).mode & 0o077).toBe(0);

      const second = loadConfig({ VAR_DIR: varDir });
      expect(second.secretKey).toBe(first.secretKey);
      expect(second.editorToken).toBe(first.editorToken);
    });

    it('gives another VAR_DIR another secret', () => {
      const other = mkdtempSync(join(tmpdir(), 'nashra-config-'));
      try {
        expect(loadConfig({ VAR_DIR: other }).secretKey).not.toBe(loadConfig({ VAR_DIR: varDir }).secretKey);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });

    it('prefers a configured SECRET_KEY over the generated one', () => {
      loadConfig({ VAR_DIR: varDir });
      const configured = 'x'.repeat(40);
      expect(loadConfig({ VAR_DIR: varDir, SECRET_KEY: configured }).secretKey).toBe(configured);
    });
  });
});
