import { BadRequestException, ConflictException, HttpException, NotFoundException } from '@nestjs/common';

/**
 * Errors services throw to say what went wrong in the product's terms; they know nothing of HTTP. The one
 * global exception filter (subscribers' ReaderExceptionFilter, which renders reader pages and otherwise falls
 * through to Nest's default) turns them into answers with `toHttpException`.
 */
export abstract class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The thing asked for does not exist (404). */
export class NotFoundError extends DomainError {}

/** The request is valid but the thing is not in a state that allows it (409). */
export class ConflictError extends DomainError {}

/** The input breaks a rule only the service can check (400); the message may be a locale key for readers. */
export class InvalidInputError extends DomainError {}

/** A domain error as the HTTP answer it stands for (`{ message }`); anything else unchanged. */
export function toHttpException(err: unknown): unknown {
  if (!(err instanceof DomainError)) {
    return err;
  }
  const body = { message: err.message };
  if (err instanceof NotFoundError) {
    return new NotFoundException(body);
  }
  if (err instanceof ConflictError) {
    return new ConflictException(body);
  }
  if (err instanceof InvalidInputError) {
    return new BadRequestException(body);
  }
  return new HttpException(body, 500);
}
