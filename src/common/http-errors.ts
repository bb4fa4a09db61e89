import { BadRequestException, HttpException, Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';

const logger = new Logger('HttpErrors');

/**
 * PostgreSQL SQLSTATEs that mean "this value cannot be used" rather than "the server is broken": class 22
 * (data exception: invalid input syntax 22P02, out of range 22003, datetime out of range 22008, NUL byte
 * 22021, …) and 54 (program limits: too complex 54001, index row too large 54000). Input validation should
 * catch them all first; this is the net under it.
 */
function isBadValue(code: unknown): boolean {
  return typeof code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(code);
}

function databaseCode(exception: unknown): unknown {
  if (exception instanceof QueryFailedError) {
    return (exception as QueryFailedError & { code?: unknown }).code;
  }
  // The pg driver's own DatabaseError, when a query ran outside TypeORM.
  const candidate = exception as { code?: unknown; severity?: unknown } | null;
  return typeof candidate?.severity === 'string' ? candidate.code : undefined;
}

/**
 * Turns what is not yet an HttpException into one where the status is known, so that no filter answers a
 * client's mistake with 500 or logs it as an error:
 * - a database "bad value" error → 400 with a generic message (never the SQL, its parameters or the
 *   driver's text), logged at warn with its SQLSTATE;
 * - a 4xx http-error from body-parser (413 too large, 400 malformed or too deep JSON, 415) → the same
 *   status as an HttpException (Nest would otherwise log it at error level).
 * Anything else is returned unchanged: the default handler answers 500 without details.
 */
export function normaliseException(exception: unknown): unknown {
  if (exception instanceof HttpException) {
    return exception;
  }
  const code = databaseCode(exception);
  if (isBadValue(code)) {
    logger.warn(`A request carried a value the database refused (SQLSTATE ${String(code)}); answered 400`);
    return new BadRequestException({
      message: ['A value in the request is out of range or not valid'],
      error: 'Bad Request',
    });
  }
  const httpError = exception as { status?: unknown; expose?: unknown; message?: unknown } | null;
  if (
    typeof httpError?.status === 'number' &&
    httpError.status >= 400 &&
    httpError.status < 500 &&
    httpError.expose === true
  ) {
    const message = typeof httpError.message === 'string' ? httpError.message : 'Bad request';
    return new HttpException({ message, statusCode: httpError.status }, httpError.status, { cause: exception });
  }
  return exception;
}
