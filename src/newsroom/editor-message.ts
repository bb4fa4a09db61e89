import { HttpException } from '@nestjs/common';
import { toHttpException } from '../common/domain-errors';
import { localeText } from '../common/locale';

/** A 4xx (or a domain error) as a message an editor can read; null for a real failure. */
export function editorMessage(err: unknown): string | null {
  const http = toHttpException(err);
  if (!(http instanceof HttpException) || http.getStatus() >= 500) {
    return null;
  }
  const body = http.getResponse() as { message?: string | string[] } | string;
  const message = typeof body === 'string' ? body : (body.message ?? http.message);
  const text = Array.isArray(message) ? message.join(localeText('newsroom.nextDigest.listSeparator')) : message;
  // The services speak English to the API; the one an editor meets here is "nothing new to send".
  return /^No new \w+ articles/.test(text) ? localeText('newsroom.nextDigest.nothingNew') : text;
}
