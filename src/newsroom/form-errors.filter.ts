import { ArgumentsHost, BadRequestException, Catch, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { InvalidInputError } from '../common/domain-errors';
import { editorMessage } from './editor-message';
import { NewsroomView } from './newsroom-view';

/**
 * A newsroom form that fails validation (400, or a service's InvalidInputError) goes back to the page it came from with the reason shown on it,
 * instead of a JSON error; an htmx request gets the reason as plain text with the 400.
 */
@Catch(BadRequestException, InvalidInputError)
export class NewsroomFormErrors implements ExceptionFilter {
  constructor(private readonly view: NewsroomView) {}

  catch(exception: BadRequestException | InvalidInputError, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const message = editorMessage(exception) ?? this.view.t('newsroom.requestFailed');
    if (req.method === 'GET' || req.headers['hx-request']) {
      res.status(400).type('text/plain').send(message);
      return;
    }
    this.view.flash(req, message, 'error');
    res.redirect(303, sameOriginPath(req) ?? '/admin');
  }
}

/** The path of the page the form was on, when the Referer is this site. */
function sameOriginPath(req: Request): string | null {
  const referer = req.get('referer');
  if (!referer) {
    return null;
  }
  try {
    const url = new URL(referer);
    return url.host === req.get('host') && url.pathname.startsWith('/admin') ? url.pathname + url.search : null;
  } catch {
    return null;
  }
}
