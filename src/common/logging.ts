import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';

const SECRET_QUERY_KEYS = /token|key|secret|password|signature/i;

/** A URL as it may appear in logs: values of secret-looking query parameters are replaced. */
export function redactUrl(url: string | undefined): string {
  if (!url) {
    return '';
  }
  const [path, query] = url.split('?', 2);
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

/**
 * Structured JSON logs (pino): one line per request with its id (X-Request-Id when the proxy sends one),
 * never the Authorization header, cookies, bodies or tokens in URLs.
 */
export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.env.LOG_LEVEL,
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
      autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
    },
  };
}
