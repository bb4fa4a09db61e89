import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsString, Matches, registerDecorator, ValidationOptions } from 'class-validator';
import { NoControlChars } from '../../common/no-control-chars';
import { normaliseEmail } from '../email-address';

/*
 * Validation messages are locale keys (`readers.errors.*`): ReaderExceptionFilter turns them into the
 * reader's language, so the DTOs stay free of copy.
 */

/** An address normaliseEmail accepts (UTF-8 local parts and internationalised domains included). */
export function IsReaderEmail(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isReaderEmail',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'readers.errors.email', ...options },
      validator: { validate: (value: unknown) => normaliseEmail(value) !== null },
    });
}

/** Text that may be stored and shown: no line breaks (header injection), markup or control characters. */
export function IsPlainText(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPlainText',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'readers.errors.text', ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && !/[<>\p{Cc}]/u.test(value) },
    });
}

/** An absolute http(s) URL without markup or line breaks. */
export function IsPageUrl(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPageUrl',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'readers.errors.url', ...options },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || value.length > 2048 || /[<>"'\s\p{Cc}]/u.test(value)) {
            return false;
          }
          try {
            return ['http:', 'https:'].includes(new URL(value).protocol);
          } catch {
            return false;
          }
        },
      },
    });
}

/** The slugs of newsletters as a form (one string, several, or `a,b`) or JSON (an array) sends them. */
export function toSlugList({ value }: { value: unknown }): unknown {
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  }
  return value;
}

/** A newsletter slug: lower-case Latin letters, digits and dashes. */
export const NEWSLETTER_SLUG = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * The `newsletters` field of the signup and preferences forms: slugs (see toSlugList), at most 50, each a
 * NEWSLETTER_SLUG, every refusal `newsletters.errors.unknown`. One decorator so both forms refuse alike.
 * Listed bottom-first: the order stacked decorators are applied in, so the constraints keep their old order.
 */
export function NewsletterSlugs(): PropertyDecorator {
  const message = 'newsletters.errors.unknown';
  return applyDecorators(
    NoControlChars({ each: true }),
    Matches(NEWSLETTER_SLUG, { each: true, message }),
    IsString({ each: true, message }),
    ArrayMaxSize(50, { message }),
    IsArray({ message }),
    Transform(toSlugList),
  );
}
