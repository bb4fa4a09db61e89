import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { registerDecorator, ValidationOptions } from 'class-validator';

/** The largest value of a PostgreSQL bigint: every id column of nashra is one. */
export const BIGINT_MAX = 9223372036854775807n;

/**
 * True for the decimal text of a bigint id (1 … 9223372036854775807), written without sign, spaces or
 * leading zeros. Checked before any query: PostgreSQL answers anything else with an error, not "not found".
 */
export function isBigintId(value: unknown): value is string {
  return typeof value === 'string' && /^[1-9]\d{0,18}$/.test(value) && BigInt(value) <= BIGINT_MAX;
}

export function bigintIdMessage(field: string): string {
  return `${field} must be a positive whole number no larger than ${BIGINT_MAX}`;
}

/**
 * For route parameters: `@Param('id', ParseBigintIdPipe) id: string`. Answers 400 naming the parameter;
 * the value stays a string (bigints do not fit a JS number).
 */
@Injectable()
export class ParseBigintIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (!isBigintId(value)) {
      throw new BadRequestException({ message: [bigintIdMessage(metadata.data ?? 'id')], error: 'Bad Request' });
    }
    return value;
  }
}

/** The same rule for a DTO field (or each element of an array field with `{ each: true }`). */
export function IsBigintId(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isBigintId',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: ({ property }) => bigintIdMessage(property), ...options },
      validator: { validate: (value: unknown) => isBigintId(value) },
    });
}
