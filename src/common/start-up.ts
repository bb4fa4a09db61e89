import { setFlagsFromString } from 'node:v8';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';

/** The port nashra was told to use is taken or forbidden: one line for the operator, not a stack. */
export class PortUnavailableError extends Error {}

/** What a listen() failure means for whoever runs nashra, naming PORT; undefined for other errors. */
export function portProblem(err: unknown, port: number): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return `Port ${port} is already in use: set PORT to another port, or stop the program using it`;
  }
  if (code === 'EACCES') {
    return `Port ${port} needs administrator rights: set PORT to a port above 1023`;
  }
  return undefined;
}

/**
 * Fails fast, before a database is started, when PORT cannot be listened on (another nashra, another
 * program). listen() still reports the rare race where the port is taken between this check and it.
 */
export function assertPortAvailable(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(new PortUnavailableError(portProblem(err, port) ?? String(err))));
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

/** A connection URL reduced to what is safe to print: scheme, host, port and database, never credentials. */
export function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * The start-up banner: where the newsroom and the footer form are, how an editor signs in, where mail goes and
 * which database is in use. Never a secret: the editor token's file is named, its content is not printed.
 */
export function startupBanner(config: AppConfig, embedded: boolean): string {
  const lines: string[] = [];
  const add = (label: string, value: string) => lines.push(`  ${`${label}:`.padEnd(13)} ${value}`);
  if (config.servesHttp) {
    lines.push(`nashra (${config.runtime.role}) listening on ${config.publicBaseUrl}`);
    add('Newsroom', config.url('/admin'));
    add('Sign in', `${config.url('/admin/login')} (first editor: npm run editor:create -- --email you@example.com)`);
    if (!config.signIn.editorTokenGiven && !config.isProduction) {
      add('API token', `in ${join(config.varDir, 'editor-token')} (bearer token for the admin API, /admin/docs)`);
    }
    add('Footer form', config.url('/embed/form'));
  } else {
    lines.push('nashra worker started (no HTTP)');
  }
  if (config.mail.smtpUrl) {
    add('Mail', `sent through ${safeUrl(config.mail.smtpUrl)}`);
  } else {
    add('Outbox', `${config.outboxDir} (SMTP_URL unset: emails are written here as .eml files, not sent)`);
  }
  add(
    'Database',
    embedded
      ? `embedded PostgreSQL at ${config.embeddedPgDir} (set DATABASE_URL to use your own)`
      : safeUrl(config.database.url ?? ''),
  );
  return lines.join('\n');
}

/**
 * In a process that sends, bounds how far V8 lets the heap grow between full collections. A long send
 * promotes its short-lived garbage (claimed rows and results wait out a few young collections), and V8's own
 * growth, sized for throughput, let the old generation climb to about three times the ~45 MiB live heap, so
 * peak RSS grew with the length of the send (195 MiB at 10k messages, 277 MiB at 100k). V8 reads this flag at
 * each full collection, so setting it at start-up is enough; measured in bench/RESULTS.md ("Memory").
 */
export function boundHeapGrowth(percent: number): void {
  if (percent > 0) {
    setFlagsFromString(`--heap-growing-percent=${percent}`);
  }
}
