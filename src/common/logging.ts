import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import type { DestinationStream, Logger as PinoInstance } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import pretty from 'pino-pretty';
import { AppConfig } from '../config/app-config';

const SECRET_QUERY_KEYS = /token|key|secret|password|signature/i;

/** A URL as it may appear in logs: values of secret-looking query parameters are replaced. */
export function redactUrl(url: string | undefined): string {
  if (!url) {
    return '';
  }
  const [rawPath, query] = url.split('?', 2);
  // Click and open tokens travel in the path (/r/<token>, /o/<token>.gif).
  const path = rawPath.replace(/^\/(r|o)\/[^/]+$/, '/$1/[redacted]');
  if (!query) {
    return path;
  }
  const safe = query
    .split('&')
    .map((pair) => {
      const [key] = pair.split('=', 1);
      return SECRET_QUERY_KEYS.test(safeDecode(key)) ? `${key}=[redacted]` : pair;
    })
    .join('&');
  return `${path}?${safe}`;
}

// A malformed escape (`%zz`) must not make the request logger throw; the raw name is still checked.
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Browsers ask for it on every page; a log line each time is noise. */
const UNLOGGED_PATHS = new Set(['/health', '/favicon.ico']);

/**
 * Where logs go: short, coloured, human-readable lines (pino-pretty, in-process) when stdout is a terminal;
 * JSON lines, one per event, otherwise (files, pipes, containers, log collectors). Redaction happens before
 * either format, so both hide the same things.
 */
export function logDestination(stdout: { isTTY?: boolean } = process.stdout): DestinationStream | undefined {
  if (!stdout.isTTY) {
    return undefined;
  }
  return pretty({
    sync: true,
    colorize: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,context,req,res,responseTime',
    singleLine: true,
    messageFormat: (log, messageKey) => {
      const context = typeof log.context === 'string' ? `[${log.context}] ` : '';
      const req = log.req as { method?: string; url?: string } | undefined;
      const res = log.res as { statusCode?: number } | undefined;
      if (req?.method && res?.statusCode) {
        return `${context}${req.method} ${req.url} ${res.statusCode} ${String(log.responseTime ?? '?')} ms`;
      }
      return `${context}${String(log[messageKey] ?? '')}`;
    },
  });
}

/** A pino logger with the app's level and format, for what is logged before the Nest app exists. */
export function startupPino(config: AppConfig, destination = logDestination()): PinoInstance {
  return destination ? pino({ level: config.runtime.logLevel }, destination) : pino({ level: config.runtime.logLevel });
}

/**
 * Structured logs (pino, see logDestination): one line per request with its id (X-Request-Id when the proxy
 * sends one), never the Authorization header, cookies, bodies or tokens in URLs.
 */
export function loggerParams(config: AppConfig, destination = logDestination()): Params {
  const options: PinoHttpOptions = {
    level: config.runtime.logLevel,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    redact: { paths: ['req.headers', 'res.headers'], remove: true },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    autoLogging: { ignore: (req: IncomingMessage) => UNLOGGED_PATHS.has((req.url ?? '').split('?', 1)[0]) },
  };
  return { pinoHttp: destination ? [options, destination] : options };
}

/** Nest's start-up chatter (one line per module and per route): useful when debugging, noise otherwise. */
const DEBUG_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

type Level = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';

/**
 * The app's Nest logger with Nest's own start-up lines (modules initialised, every route mapped) moved from
 * info to debug, so a start shows what matters: migrations, the banner, warnings.
 */
export class QuietStartupLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    this.call(typeof context === 'string' && DEBUG_CONTEXTS.has(context) ? 'debug' : 'log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.call('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.call('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.call('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.call('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.call('fatal', message, params);
  }

  private call(level: Level, message: unknown, params: unknown[]): void {
    const write = this.inner[level] ?? this.inner.log;
    write.call(this.inner, message, ...params);
  }
}

/** A Nest LoggerService over a plain pino logger: Nest's `Logger` calls before the app's logger exists. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: PinoInstance) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: pino.Level, message: unknown, params: unknown[]): void {
    const context = params.length > 0 ? params[params.length - 1] : undefined;
    const fields = typeof context === 'string' ? { context } : {};
    if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
    } else {
      this.pino[level](fields, typeof message === 'string' ? message : JSON.stringify(message));
    }
  }
}
