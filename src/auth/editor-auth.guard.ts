import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { EditorSessions, isUnsafeMethod } from './editor-sessions';

/**
 * The machine API's door: `Authorization: Bearer <EDITOR_TOKEN>` (CMS webhooks, scripts), or a signed-in
 * editor's session (the newsroom's htmx calls) — then unsafe methods also need the CSRF token.
 */
@Injectable()
export class EditorAuthGuard implements CanActivate {
  constructor(private readonly sessions: EditorSessions) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    if (this.sessions.hasBearerHeader(req)) {
      if (!this.sessions.bearerIsValid(req)) {
        throw new UnauthorizedException('An editor token is required (Authorization: Bearer <EDITOR_TOKEN>)');
      }
      return true;
    }
    if (!(await this.sessions.editorOf(req))) {
      throw new UnauthorizedException('An editor token is required (Authorization: Bearer <EDITOR_TOKEN>)');
    }
    if (isUnsafeMethod(req.method) && !this.sessions.acceptCsrf(req)) {
      throw new ForbiddenException('رمز الحماية (CSRF) مفقود أو غير صالح؛ أعد تحميل الصفحة وحاول مجددًا');
    }
    return true;
  }
}
