import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { ApiTokens } from './api-tokens';
import { EditorSessions, isUnsafeMethod } from './editor-sessions';
import { PermissionGate } from './permission-gate';

const TOKEN_REQUIRED = 'An editor token is required (Authorization: Bearer <EDITOR_TOKEN>)';

/**
 * The machine API's door: `Authorization: Bearer <EDITOR_TOKEN>` (full access), a scoped token (`nsh_…`, only
 * the permissions of its scopes), or a signed-in editor's session (the newsroom's htmx calls; unsafe methods
 * also need the CSRF token), whose role must hold the route's `@RequirePermission`.
 */
@Injectable()
export class EditorAuthGuard implements CanActivate {
  constructor(
    private readonly sessions: EditorSessions,
    private readonly tokens: ApiTokens,
    private readonly gate: PermissionGate,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    if (this.sessions.hasBearerHeader(req)) {
      if (this.sessions.bearerIsValid(req)) {
        return true;
      }
      const token = await this.tokens.fromRequest(req);
      if (!token) {
        throw new UnauthorizedException(TOKEN_REQUIRED);
      }
      const refusal = this.gate.tokenRefusal(context, token);
      if (refusal) {
        throw new ForbiddenException(refusal);
      }
      return true;
    }
    const editor = await this.sessions.editorOf(req);
    if (!editor) {
      throw new UnauthorizedException(TOKEN_REQUIRED);
    }
    if (isUnsafeMethod(req.method) && !this.sessions.acceptCsrf(req)) {
      throw new ForbiddenException('رمز الحماية (CSRF) مفقود أو غير صالح؛ أعد تحميل الصفحة وحاول مجددًا');
    }
    const refusal = this.gate.editorRefusal(context, editor);
    if (refusal) {
      throw new ForbiddenException(refusal);
    }
    return true;
  }
}
