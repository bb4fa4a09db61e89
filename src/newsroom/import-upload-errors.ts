import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { refusalPage } from '../auth/newsroom-page';
import { signInUrl } from '../auth/sign-in-url';
import { NewsroomView } from './newsroom-view';

/**
 * A refused upload (no file, file over the limit, CSRF) answered to htmx as an Arabic fragment with its 4xx
 * status, which the import page lets htmx swap in (its htmx-config swaps 4xx answers); to a browser posting
 * the form without JavaScript as a short Arabic page with a way back. Other callers get Nest's JSON answer.
 */
@Catch(HttpException)
@Injectable()
export class ImportUploadErrors implements ExceptionFilter {
  constructor(private readonly view: NewsroomView) {}

  catch(exception: HttpException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const status = exception.getStatus();
    const message =
      status === 413
        ? this.view.t('newsroom.readers.uploadTooLarge')
        : status === 401
          ? this.view.t('newsroom.readers.sessionExpired')
          : exception.message;
    if (req.headers['hx-request']) {
      this.view.fragment(res, 'readers-import-error', { message }, status);
      return;
    }
    if (req.accepts(['json', 'html']) === 'html') {
      res
        .status(status)
        .type('html')
        .set('Cache-Control', 'no-store')
        .send(
          refusalPage(message, status === 401 ? signInUrl('/admin/readers/import') : '/admin/readers/import', 'العودة'),
        );
      return;
    }
    res.status(status).json({ statusCode: status, message });
  }
}
