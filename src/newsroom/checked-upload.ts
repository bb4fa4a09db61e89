import {
  BadRequestException,
  CallHandler,
  ExecutionContext,
  HttpException,
  Injectable,
  mixin,
  NestInterceptor,
  PayloadTooLargeException,
  Type,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import multer from 'multer';
import type { Observable } from 'rxjs';
import { EditorSessions } from '../auth/editor-sessions';
import { localeText } from '../common/locale';
import { CSRF_DEFERRED, CSRF_REJECTED_MESSAGE, NewsroomRefusal } from '../auth/newsroom-page';

/**
 * Nest's FileInterceptor, plus the CSRF check the guard left to it (CsrfInMultipartFields): multer's fileFilter
 * runs when the first file part begins, after the fields before it (`_csrf` comes first in the form) are in
 * `req.body`; a missing or wrong token refuses the upload there, before the file is stored. A post without any
 * file is checked once the fields are read.
 */
export function CheckedFileUpload(field: string, options: multer.Options): Type<NestInterceptor> {
  @Injectable()
  class CheckedFileUploadInterceptor implements NestInterceptor {
    constructor(private readonly sessions: EditorSessions) {}

    async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
      const req = context.switchToHttp().getRequest<Request>();
      const res = context.switchToHttp().getResponse<Response>();
      let checked = (req as unknown as Record<symbol, boolean>)[CSRF_DEFERRED] !== true;
      const upload = multer({
        ...options,
        fileFilter: (request, _file, accept) => {
          if (!checked) {
            if (!this.sessions.acceptCsrf(request as Request)) {
              accept(new NewsroomRefusal(403, CSRF_REJECTED_MESSAGE));
              return;
            }
            checked = true;
          }
          accept(null, true);
        },
      }).single(field);
      await new Promise<void>((resolve, reject) =>
        upload(req, res, (err: unknown) => (err ? reject(uploadError(err)) : resolve())),
      );
      if (!checked && !this.sessions.acceptCsrf(req)) {
        throw new NewsroomRefusal(403, CSRF_REJECTED_MESSAGE);
      }
      return next.handle();
    }
  }
  return mixin(CheckedFileUploadInterceptor);
}

function uploadError(err: unknown): HttpException {
  if (err instanceof HttpException) {
    return err;
  }
  if (err instanceof multer.MulterError) {
    return err.code === 'LIMIT_FILE_SIZE'
      ? new PayloadTooLargeException(localeText('errors.uploadTooLarge'))
      : new BadRequestException(localeText('errors.uploadUnreadableCode', { code: err.code }));
  }
  return new BadRequestException(localeText('errors.uploadUnreadable'));
}
