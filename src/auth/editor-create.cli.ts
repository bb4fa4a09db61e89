// `npm run editor:create -- --email you@example.com [--name "…"] [--password …] [--role owner|chief|editor|writer|analyst]`
// Creates an editor account (the first one is an owner when --role is left out; later ones need --role). Uses DATABASE_URL, or the embedded PostgreSQL under VAR_DIR like `npm start`
// (the one a running `npm start` already serves, when there is one). Runs pending migrations first.
import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from '../database/embedded-postgres';
import { runMigrationsLocked } from '../database/migrator';
import { DuplicateEditorError, EditorAccounts, generatePassword, MIN_PASSWORD_LENGTH } from './editor-accounts';
import { EditorsRepository } from './editors.repository';
import { isRole, Role, ROLES } from './permissions';

const USAGE = `usage: npm run editor:create -- --email you@example.com [--name "Your Name"] [--password …] [--role ${ROLES.join('|')}]`;

export async function createEditorFromCommandLine(argv: string[]): Promise<number> {
  let args: { email?: string; name?: string; password?: string; role?: string };
  try {
    args = parseArgs({
      args: argv,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        password: { type: 'string' },
        role: { type: 'string' },
      },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 1;
  }
  if (!args.email || !/^[^@\s]+@[^@\s]+$/.test(args.email.trim())) {
    console.error(`--email must be an email address\n${USAGE}`);
    return 1;
  }
  if (args.password !== undefined && args.password.length < MIN_PASSWORD_LENGTH) {
    console.error(`--password must be at least ${MIN_PASSWORD_LENGTH} characters (or leave it out to get one)`);
    return 1;
  }
  if (args.role !== undefined && !isRole(args.role)) {
    console.error(`--role must be one of ${ROLES.join(', ')}\n${USAGE}`);
    return 1;
  }
  const role = args.role as Role | undefined;
  const config = loadConfig(process.env);
  let embedded: EmbeddedPostgresHandle | undefined;
  const url =
    config.env.DATABASE_URL ??
    runningEmbeddedUrl(config.embeddedPgDir) ??
    (embedded = await startEmbeddedPostgres(config.embeddedPgDir)).url;
  try {
    const dataSource = await new DataSource(dataSourceOptions(url)).initialize();
    try {
      await runMigrationsLocked(dataSource);
      const repository = new EditorsRepository(dataSource);
      const accounts = new EditorAccounts(repository);
      if (!role && (await accounts.count()) > 0 && !(await repository.findByEmail(args.email))) {
        console.error(`The newsroom already has editors: say which role this one gets with --role\n${USAGE}`);
        return 1;
      }
      const password = args.password ?? generatePassword();
      // Without --role only the first editor gets here, or an existing email, which the insert refuses.
      const editor = await accounts.create({ email: args.email, name: args.name, password, role: role ?? 'owner' });
      console.log(`Editor created: ${editor.email} (${editor.name}), role ${editor.role}`);
      if (args.password === undefined) {
        console.log(`Password (shown only this once, keep it somewhere safe): ${password}`);
      }
      console.log(`Sign in at ${config.url('/admin/login')}`);
      return 0;
    } catch (err) {
      if (err instanceof DuplicateEditorError) {
        console.error(`An editor with the email ${err.email} already exists; nothing was changed.`);
        return 1;
      }
      throw err;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await embedded?.stop();
  }
}

/**
 * The URL of the embedded server a running `npm start` owns (postmaster.pid names its pid and port), so this
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

if (require.main === module) {
  createEditorFromCommandLine(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof ConfigError ? err.message : `editor:create failed: ${String(err)}`);
      process.exit(1);
    },
  );
}
