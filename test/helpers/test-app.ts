import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { Clock } from '../../src/common/clock';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { freePort } from '../../src/database/embedded-postgres';
import { FakeClock } from './fake-clock';
import { createMigratedTestDatabase, TestDatabase } from './test-database';

export const EDITOR_TOKEN = 'test-editor-token-0123456789';

export interface TestAppOptions {
  /** Extra or overriding environment variables. */
  env?: Record<string, string | undefined>;
  /** Replace the clock (default: the real one). */
  clock?: FakeClock;
  /** Reuse a database (e.g. to start a second instance on the same data). */
  database?: TestDatabase;
  /**
   * The host name in PUBLIC_BASE_URL and baseUrl (default 127.0.0.1; the app listens on 127.0.0.1 either way).
   * `localhost` for WebAuthn, whose relying party must be a domain, not an IP address.
   */
  host?: string;
  /** Further provider overrides before compiling. */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

export interface TestApp {
  app: INestApplication;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  config: AppConfig;
  dataSource: DataSource;
  database: TestDatabase;
  varDir: string;
  /** `Authorization` header value for /admin routes. */
  editorAuth: string;
  get<T>(token: new (...args: any[]) => T): T;
  close(): Promise<void>;
}

/**
 * Boots the real nashra app (every module, real PostgreSQL, migrations applied) on a free port, with its
 * own fresh database (a copy of the migrated template, see createMigratedTestDatabase) and var/ directory. Without SMTP_URL in env, mail goes to the outbox under varDir.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownDatabase = !options.database;
  const database = options.database ?? (await createMigratedTestDatabase());
  const varDir = mkdtempSync(join(tmpdir(), 'nashra-test-var-'));
  const port = await freePort();
  const origin = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_BASE_URL: origin,
    DATABASE_URL: database.url,
    VAR_DIR: varDir,
    SECRET_KEY: 'test-secret-key-0123456789-0123456789-abcdef',
    EDITOR_TOKEN,
    LOG_LEVEL: 'error', // 4xx answers log at warn; tests provoke many of them on purpose
    MAIL_FROM: 'نشرة الحل نت <newsletter@nashra.test>',
    SITE_URL: 'https://www.example.net',
    // Tests play the reverse proxy: X-Forwarded-For from loopback gives each request its own client address.
    TRUST_PROXY: 'loopback',
    // The tests' feed servers listen on loopback, which feeds may not reach by default.
    FEED_ALLOW_PRIVATE_HOSTS: '127.0.0.1,::1,localhost',
    ...options.env,
  });
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot({ config, databaseUrl: database.url })] });
  if (options.clock) {
    builder = builder.overrideProvider(Clock).useValue(options.clock);
  }
  if (options.override) {
    builder = options.override(builder);
  }
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true });
  configureApp(app);
  await app.listen(port, '127.0.0.1');
  return {
    app,
    baseUrl: origin,
    config,
    dataSource: app.get(DataSource),
    database,
    varDir,
    editorAuth: `Bearer ${EDITOR_TOKEN}`,
    get: (token) => app.get(token),
    close: async () => {
      await app.close();
      if (ownDatabase) {
        await database.drop();
      }
      rmSync(varDir, { recursive: true, force: true });
    },
  };
}
