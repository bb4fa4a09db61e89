import { localeText } from '../common/locale';
import {
  applyDecorators,
  ArgumentsHost,
  CanActivate,
  Catch,
  ExceptionFilter,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  SetMetadata,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExcludeController, ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiTokens } from './api-tokens';
import { EditorSessions, isUnsafeMethod } from './editor-sessions';
import { PermissionGate } from './permission-gate';
import { signInUrl } from './sign-in-url';
import { StepUpRequired, stepUpUrl } from './step-up';

/** A page was asked for without a session: the filter below answers with a redirect to the sign-in form. */
export class SignInRequired extends HttpException {
  constructor(readonly next: string) {
    super('Sign in first', HttpStatus.SEE_OTHER);
  }
}

/**
 * A newsroom action refused by the guard (401 without a session, 403 without a valid CSRF token or without the
 * route's permission).
 */
export class NewsroomRefusal extends HttpException {
  constructor(status: 401 | 403, message: string) {
    super({ statusCode: status, message }, status);
  }
}

/**
 * A multipart upload route whose form carries its CSRF token as a `_csrf` field before the file (a browser
 * without JavaScript cannot set a header). The guard cannot read a multipart body, so for such a request without
 * an `X-CSRF-Token` header it leaves the token to the route's upload interceptor, which checks it from the fields
 * read before the first file part, and refuses before a byte of the file is stored.
 */
export const CSRF_IN_MULTIPART_FIELDS = 'nashra:csrfInMultipartFields';
export const CsrfInMultipartFields = () => SetMetadata(CSRF_IN_MULTIPART_FIELDS, true);

/** Whether the guard left this request's CSRF check to the upload interceptor. */
export const CSRF_DEFERRED = Symbol('nashra.csrfDeferred');

export const CSRF_REJECTED_MESSAGE =
  'رمز الحماية (CSRF) مفقود أو غير صالح، فلم يُنفَّذ شيء. أعد تحميل الصفحة وحاول مجددًا.';

const SIGN_IN_FIRST = 'انتهت جلستك أو لم تسجّل الدخول بعد. سجّل الدخول ثم أعد المحاولة.';
const CSRF_REJECTED = CSRF_REJECTED_MESSAGE;

/**
 * Answers the guard's refusals the way the client can use them: a redirect to sign-in for pages, HX-Redirect
 * for htmx, a short Arabic page for a browser's form post, JSON for scripts. Nothing else is caught here.
 */
@Catch(SignInRequired, NewsroomRefusal, StepUpRequired)
export class SignInRedirectFilter implements ExceptionFilter {
  catch(exception: SignInRequired | NewsroomRefusal | StepUpRequired, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const htmx = Boolean(req.headers['hx-request']);
    if (exception instanceof StepUpRequired && exception.api) {
      res.status(403).json({ statusCode: 403, message: exception.reason, stepUp: stepUpUrl(exception.next) });
      return;
    }
    if (exception instanceof SignInRequired || exception instanceof StepUpRequired) {
      const target = exception instanceof StepUpRequired ? stepUpUrl(exception.next) : signInUrl(exception.next);
      if (htmx) {
        // htmx follows redirects inside XHR and would swap the sign-in page into a fragment; ask for a full load.
        res.status(401).setHeader('HX-Redirect', target).end();
        return;
      }
      res.redirect(303, target);
      return;
    }
    const status = exception.getStatus();
    const message = (exception.getResponse() as { message: string }).message;
    if (htmx && status === 401) {
      res.setHeader('HX-Redirect', signInUrl(refererPath(req)));
    }
    if (htmx || req.accepts(['json', 'html']) !== 'html') {
      res.status(status).json({ statusCode: status, message });
      return;
    }
    const back = status === 401 ? signInUrl(refererPath(req)) : (refererPath(req) ?? '/admin');
    res
      .status(status)
      .type('html')
      .set('Cache-Control', 'no-store')
      .send(refusalPage(message, back, status === 401 ? 'تسجيل الدخول' : 'العودة'));
  }
}

/** The path of a same-site Referer, to go back to after signing in again or reloading a form. */
function refererPath(req: Request): string | undefined {
  try {
    const referer = new URL(req.headers.referer ?? '');
    return referer.host === req.headers.host ? referer.pathname + referer.search : undefined;
  } catch {
    return undefined;
  }
}

export function refusalPage(message: string, href: string, label: string): string {
  const escape = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(label)}</title>
<link rel="stylesheet" href="/admin/assets/newsroom.css"></head>
<body><main><section class="card narrow"><h1>${escape(localeText('roles.refusedHeading'))}</h1>
<p class="flash flash-error" role="alert">${escape(message)}</p>
<p><a class="button" href="${escape(href)}">${escape(label)}</a></p></section></main></body></html>`;
}

/**
 * Newsroom pages need a signed-in editor. GET/HEAD without one redirect (303) to the sign-in form and come
 * back after; other methods without one get 401; unsafe methods need the CSRF token (`_csrf` form field or
 * `X-CSRF-Token` header), else 403 before the handler runs; then the editor's role must hold the route's
 * `@RequirePermission`, else 403 with the reason in Arabic. A scoped machine token is refused here (403): it
 * opens only the API routes of its scopes.
 */
@Injectable()
export class NewsroomPageGuard implements CanActivate {
  constructor(
    private readonly sessions: EditorSessions,
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokens,
    private readonly gate: PermissionGate,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const editor = await this.sessions.editorOf(req);
    if (!editor) {
      const token = this.sessions.hasBearerHeader(req) ? await this.tokens.fromRequest(req) : undefined;
      if (token) {
        throw new NewsroomRefusal(403, this.gate.tokenRefusal(context, token) ?? SIGN_IN_FIRST);
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        throw new SignInRequired(req.originalUrl);
      }
      throw new NewsroomRefusal(401, SIGN_IN_FIRST);
    }
    if (isUnsafeMethod(req.method) && this.defersToUpload(context, req)) {
      // The upload interceptor checks the token; the permission is still checked here, before any byte is read.
      (req as unknown as Record<symbol, boolean>)[CSRF_DEFERRED] = true;
    } else if (isUnsafeMethod(req.method) && !this.sessions.acceptCsrf(req)) {
      throw new NewsroomRefusal(403, CSRF_REJECTED);
    }
    const refusal = this.gate.editorRefusal(context, editor);
    if (refusal) {
      throw new NewsroomRefusal(403, refusal);
    }
    return true;
  }

  private defersToUpload(context: ExecutionContext, req: Request): boolean {
    return (
      !req.headers['x-csrf-token'] &&
      /^multipart\/form-data/i.test(req.headers['content-type'] ?? '') &&
      this.reflector.getAllAndOverride<boolean>(CSRF_IN_MULTIPART_FIELDS, [
        context.getHandler(),
        context.getClass(),
      ]) === true
    );
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
