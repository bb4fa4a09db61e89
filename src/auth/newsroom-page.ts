import {
  applyDecorators,
  ArgumentsHost,
  CanActivate,
  Catch,
  ExceptionFilter,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  UnauthorizedException,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController, ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { EditorSessions, isUnsafeMethod } from './editor-sessions';
import { signInUrl } from './sign-in-url';

/** A page was asked for without a session: the filter below answers with a redirect to the sign-in form. */
export class SignInRequired extends HttpException {
  constructor(readonly next: string) {
    super('Sign in first', HttpStatus.SEE_OTHER);
  }
}

@Catch(SignInRequired)
export class SignInRedirectFilter implements ExceptionFilter {
  catch(exception: SignInRequired, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const target = signInUrl(exception.next);
    if (req.headers['hx-request']) {
      // htmx follows redirects inside XHR and would swap the sign-in page into a fragment; ask for a full load.
      res.status(401).setHeader('HX-Redirect', target).end();
      return;
    }
    res.redirect(303, target);
  }
}

/**
 * Newsroom pages need a signed-in editor. GET/HEAD without one redirect (303) to the sign-in form and come
 * back after; other methods without one get 401; unsafe methods need the CSRF token (`_csrf` form field or
 * `X-CSRF-Token` header), else 403 before the handler runs.
 */
@Injectable()
export class NewsroomPageGuard implements CanActivate {
  constructor(private readonly sessions: EditorSessions) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    if (!(await this.sessions.editorOf(req))) {
      if (req.method === 'GET' || req.method === 'HEAD') {
        throw new SignInRequired(req.originalUrl);
      }
      throw new UnauthorizedException('سجّل الدخول أولًا');
    }
    if (isUnsafeMethod(req.method) && !this.sessions.acceptCsrf(req)) {
      throw new ForbiddenException('رمز الحماية (CSRF) مفقود أو غير صالح؛ أعد تحميل الصفحة وحاول مجددًا');
    }
    return true;
  }
}

/** A newsroom HTML route (class or method): signed-in editors only, CSRF on unsafe methods, not in Swagger. */
export function NewsroomPage(): ClassDecorator & MethodDecorator {
  const guard = applyDecorators(UseGuards(NewsroomPageGuard), UseFilters(SignInRedirectFilter));
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (key === undefined) {
      guard(target as () => void);
      ApiExcludeController()(target as () => void);
    } else {
      guard(target, key, descriptor!);
      ApiExcludeEndpoint()(target, key, descriptor!);
    }
  }) as ClassDecorator & MethodDecorator;
}
