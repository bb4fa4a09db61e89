import { BadRequestException, ConflictException, HttpException, HttpStatus, NotFoundException } from '@nestjs/common';
import { localeValue, localeText } from './locale';

/** Values a domain error's locale message is filled with (`{url}`, `{max}`). */
export type ErrorParams = Record<string, string | number>;

/** A dotted locale key (`errors.feedNotListed`), as opposed to a sentence for logs and API callers. */
const LOCALE_KEY = /^[a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)+$/;

/**
 * Keys the reader pages' filter (subscribers' ReaderExceptionFilter) turns into words itself, in the reader's
 * page: they travel to it as the key.
 */
const READER_KEY = /^(?:readers|newsletters)\.errors\.\w+$/;

/**
 * Errors services throw to say what went wrong in the product's terms; they know nothing of HTTP. An error
 * names its message by a locale key with parameters (`new ConflictError('errors.feedExists', { url })`), or,
 * for messages meant for logs and API callers only, carries an English sentence. The HTTP edge turns them into
 * answers: `toHttpException` for the API (JSON `{ statusCode, message }` with the Arabic text), the newsroom's
 * NewsroomFormErrors and @NewsroomAction for editors' pages (the text flashed on the page).
 */
export abstract class DomainError extends Error {
  /** The locale key of the message, when the error was made with one. */
  readonly key: string | null;

  constructor(
    keyOrMessage: string,
    readonly params: ErrorParams = {},
  ) {
    super(keyOrMessage);
    this.name = new.target.name;
    this.key = LOCALE_KEY.test(keyOrMessage) && typeof localeValue(keyOrMessage) === 'string' ? keyOrMessage : null;
  }
}

/** The thing asked for does not exist (404). */
export class NotFoundError extends DomainError {}

/** The request is valid but the thing is not in a state that allows it (409). */
export class ConflictError extends DomainError {}

/** The input breaks a rule only the service can check (400). */
export class InvalidInputError extends DomainError {}

/** Too many attempts in a window; try again later (429). */
export class TooManyAttemptsError extends DomainError {}

/** The HTTP status a domain error stands for. */
export function domainStatus(err: DomainError): number {
  if (err instanceof NotFoundError) {
    return HttpStatus.NOT_FOUND;
  }
  if (err instanceof ConflictError) {
    return HttpStatus.CONFLICT;
  }
  if (err instanceof InvalidInputError) {
    return HttpStatus.BAD_REQUEST;
  }
  if (err instanceof TooManyAttemptsError) {
    return HttpStatus.TOO_MANY_REQUESTS;
  }
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

/**
 * A domain error in the words an editor or API caller reads: its locale message (Arabic) with the parameters
 * filled in, or its sentence. A reader-page key stays a key, for the reader filter to word on the reader's page.
 */
export function domainMessage(err: DomainError): string {
  return err.key && !READER_KEY.test(err.key) ? localeText(err.key, err.params) : err.message;
}

/** A domain error as the HTTP answer it stands for (`{ statusCode, message }`); anything else unchanged. */
export function toHttpException(err: unknown): unknown {
  if (!(err instanceof DomainError)) {
    return err;
  }
  const status = domainStatus(err);
  const body = { statusCode: status, message: domainMessage(err) };
  switch (status) {
    case HttpStatus.NOT_FOUND:
      return new NotFoundException(body, { cause: err });
    case HttpStatus.CONFLICT:
      return new ConflictException(body, { cause: err });
    case HttpStatus.BAD_REQUEST:
      return new BadRequestException(body, { cause: err });
    default:
      return new HttpException(body, status, { cause: err });
  }
}
