import { registerDecorator, ValidationOptions } from 'class-validator';

// C0 controls and DEL. PostgreSQL cannot store NUL in text at all, and the others have no business in a
// title, an address or a query; multi-line fields (bodies, summaries) may keep tab and line breaks.
/* eslint-disable no-control-regex -- matching control characters is the point */
const SINGLE_LINE = /[\u0000-\u001f\u007f]/;
const MULTI_LINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/* eslint-enable no-control-regex */

export function hasControlChars(value: string, multiline = false): boolean {
  return (multiline ? MULTI_LINE : SINGLE_LINE).test(value);
}

/**
 * Refuses strings holding NUL or another C0 control character (400 naming the field). `multiline: true`
 * allows \t, \n and \r. Non-strings pass: the field's type rule reports them. Use on every text field of
 * every request DTO (with `each: true` on arrays).
 */
export function NoControlChars(options: ValidationOptions & { multiline?: boolean } = {}): PropertyDecorator {
  const { multiline = false, ...validationOptions } = options;
  return (target, propertyName) =>
    registerDecorator({
      name: 'noControlChars',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: ({ property }) => `${property} must not contain control characters`, ...validationOptions },
      validator: { validate: (value: unknown) => typeof value !== 'string' || !hasControlChars(value, multiline) },
    });
}
