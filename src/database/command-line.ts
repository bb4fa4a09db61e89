import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { DataSource } from 'typeorm';
import { AppConfig, ConfigError } from '../config/app-config';
import { dataSourceOptions } from './data-source';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from './embedded-postgres';
import { runMigrationsLocked } from './migrator';

/*
 * What the command-line tools (`npm run editor:create`, `npm run token:create`) share: reading their flags,
 * reaching the app's database with its migrations run, and exiting with their code.
 */

/** The flags, or undefined once parseArgs' complaint and the usage line are printed. */
export function parseCliArgs<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
  usage: string,
): ReturnType<typeof parseArgs<{ args: string[]; options: O }>>['values'] | undefined {
  try {
    return parseArgs({ args: argv, options }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return undefined;
  }
}

/**
 * Runs `work` on the app's database after its pending migrations: DATABASE_URL, or the embedded PostgreSQL
 * under VAR_DIR like `npm start` (the one a running `npm start` already serves, when there is one; else one
 * started for this command and stopped after it).
 */
export async function withCliDatabase<T>(config: AppConfig, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  let embedded: EmbeddedPostgresHandle | undefined;
  const url =
    config.database.url ??
    runningEmbeddedUrl(config.embeddedPgDir) ??
    (embedded = await startEmbeddedPostgres(config.embeddedPgDir)).url;
  try {
    const dataSource = await new DataSource(dataSourceOptions(url)).initialize();
    try {
      await runMigrationsLocked(dataSource);
      return await work(dataSource);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await embedded?.stop();
  }
}

/**
 * The URL of the embedded server a running `npm start` owns (postmaster.pid names its pid and port), so a
 * command neither stops it nor starts a second one on the same data.
 */
export function runningEmbeddedUrl(dataDir: string): string | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) {
    return undefined;
  }
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  try {
    process.kill(Number(pid), 0);
    if (!readFileSync(`/proc/${Number(pid)}/cmdline`, 'utf8').includes('postgres')) {
      return undefined;
    }
  } catch {
    return undefined;
  }
  return `postgres://postgres:postgres@127.0.0.1:${Number(port)}/nashra`;
}

/** `main(argv)` as a process: exits with its code; a configuration error is printed as is, anything else named. */
export function runCli(name: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof ConfigError ? err.message : `${name} failed: ${String(err)}`);
      process.exit(1);
    },
  );
}
