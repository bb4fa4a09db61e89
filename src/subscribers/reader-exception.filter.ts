import { ArgumentsHost, Catch, HttpException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import type { Request, Response } from 'express';
import { toHttpException } from '../common/domain-errors';
import { errorStack } from '../common/error-message';
import { normaliseException } from '../common/http-errors';
import { Locale } from '../common/locale';
import { ReaderPages } from './reader-pages';

/** Paths readers reach (forms, links in emails). Everything else keeps Nest's default error answers. */
export function isReaderPath(path: string): boolean {
  return /^\/(subscriptions|embed)(\/|$)/.test(path);
}

/**
 * The app's one global exception filter. Domain errors become their HTTP answers for every path. Readers get errors in Arabic: JSON `{ message }` for scripts and API callers, an Arabic page (with the
 * form again, when it was the signup form) for browsers. Covers validation errors (whose messages are
 * `readers.errors.*` keys, or English from the global ValidationPipe for unknown fields), bodies over the
 * limit (413 from body-parser, before any controller runs), and rate limiting (429). Registered globally
 * because body-parser errors never reach a controller; other paths fall through to the default handler.
 */
@Catch()
@Injectable()
export class ReaderExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(ReaderExceptionFilter.name);

  constructor(
    adapterHost: HttpAdapterHost,
    private readonly locale: Locale,
    private readonly pages: ReaderPages,
  ) {
    super(adapterHost.httpAdapter);
  }

  catch(thrown: unknown, host: ArgumentsHost): void {
    // Services throw domain errors (src/common/domain-errors.ts); this is the one place they become HTTP.
    // Database "bad value" errors become 400 and body-parser's 4xx become HttpExceptions, on every path.
    const exception = normaliseException(toHttpException(thrown));
    if (host.getType() !== 'http') {
      return super.catch(exception, host);
    }
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (!isReaderPath(req.path) || res.headersSent) {
      return super.catch(exception, host);
    }
    const status = statusOf(exception);
    if (status >= 500) {
      this.logger.error(`${req.method} ${req.path} failed: ${errorStack(exception)}`);
    }
    const message = this.locale.t(this.messageKey(exception, status));
    if (wantsJson(req)) {
      res.status(status).json({ message });
      return;
    }
    const signupForm = req.method === 'POST' && req.path === '/subscriptions';
    this.pages.message(res, status, {
      title: this.locale.t('readers.errors.title'),
      message,
      tone: 'error',
      form: signupForm ? { error: message, embedded: req.query?.embed === '1' } : undefined,
    });
  }

  private messageKey(exception: unknown, status: number): string {
    switch (status) {
      case 413:
        return 'readers.errors.tooLarge';
      case 404:
        return 'readers.errors.notFound';
    }
    if (status >= 500) {
      return 'readers.errors.server';
    }
    const body = exception instanceof HttpException ? exception.getResponse() : undefined;
    const raw = typeof body === 'string' ? body : (body as { message?: unknown } | undefined)?.message;
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (typeof first === 'string') {
      if (/^(readers|newsletters)\.errors\.\w+$/.test(first)) {
        return first;
      }
      if (/should not exist$/.test(first)) {
        return 'readers.errors.unknownField';
      }
    }
    if (status === 429) {
      return 'readers.errors.tooMany';
    }
    return 'readers.errors.invalid';
  }
}

/** HttpExceptions, and http-errors from body-parser (e.g. 413), which reach a global filter unconverted. */
function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) {
    return exception.getStatus();
  }
  const status = (exception as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : HttpStatus.INTERNAL_SERVER_ERROR;
}

/** JSON for requests that sent JSON or prefer it; a page for browsers. */
export function wantsJson(req: Request): boolean {
  if (req.is('application/json')) {
    return true;
  }
  return req.accepts(['html', 'json']) === 'json';
}
