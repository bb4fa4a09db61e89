import { HttpException } from '@nestjs/common';
import {
  ConflictError,
  domainMessage,
  InvalidInputError,
  NotFoundError,
  toHttpException,
  TooManyAttemptsError,
} from './domain-errors';

function answer(err: unknown): { status: number; body: unknown } {
  const http = toHttpException(err);
  if (!(http instanceof HttpException)) {
    throw new Error('not an HttpException');
  }
  return { status: http.getStatus(), body: http.getResponse() };
}

describe('domain errors at the HTTP edge', () => {
  it('words a locale key with its parameters in Arabic, under the status the kind stands for', () => {
    expect(answer(new InvalidInputError('errors.topicNameInvalid', { max: 80 }))).toEqual({
      status: 400,
      body: { statusCode: 400, message: 'الاسم مطلوب، بلا < أو >، وبحد أقصى 80 حرفاً' },
    });
    expect(answer(new NotFoundError('errors.topicMergeTargetMissing', { name: 'الموصل' })).body).toEqual({
      statusCode: 404,
      message: 'لا يوجد موضوع «الموصل» للدمج فيه',
    });
  });

  it('keeps an English sentence for API callers, and a reader key for the reader pages to word', () => {
    expect(answer(new ConflictError('No new daily articles since the last edition'))).toEqual({
      status: 409,
      body: { statusCode: 409, message: 'No new daily articles since the last edition' },
    });
    const limited = new TooManyAttemptsError('readers.errors.tooMany');
    expect(limited.key).toBe('readers.errors.tooMany');
    expect(answer(limited)).toEqual({ status: 429, body: { statusCode: 429, message: 'readers.errors.tooMany' } });
  });

  it('treats a dotted string that names no locale text as a sentence, and leaves other errors alone', () => {
    const err = new InvalidInputError('errors.noSuchKey');
    expect(err.key).toBeNull();
    expect(domainMessage(err)).toBe('errors.noSuchKey');
    const plain = new Error('boom');
    expect(toHttpException(plain)).toBe(plain);
  });
});
