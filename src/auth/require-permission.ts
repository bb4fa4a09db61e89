import { applyDecorators, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiForbiddenResponse } from '@nestjs/swagger';
import type { Permission } from './permissions';

export { Public, PUBLIC_KEY } from '../common/public-route';

export const PERMISSION_KEY = 'nashra:permission';

/**
 * The one declaration of what a newsroom or admin API route needs: `@RequirePermission('edition.send')` on the
 * route (or on its controller, for every route of it; the route's own wins). The guards of `@NewsroomPage()` and
 * `@EditorOnly()` enforce it after authentication: a signed-in editor by role and grants (src/auth/permissions.ts),
 * a scoped token by its scopes, `EDITOR_TOKEN` always passes. A guarded route that declares nothing is refused
 * (403) and test/auth/route-permissions.e2e-spec.ts fails on it.
 */
export function RequirePermission(permission: Permission): ClassDecorator & MethodDecorator {
  return applyDecorators(
    SetMetadata(PERMISSION_KEY, permission),
    ApiForbiddenResponse({
      description: `Needs the \`${permission}\` permission (a session editor's role, or a token's scope); or, for a session, a missing CSRF token`,
    }),
  );
}

/** The permission a route declares (the handler's, else its controller's). */
export function requiredPermission(reflector: Reflector, context: ExecutionContext): Permission | undefined {
  return reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, [
    context.getHandler(),
    context.getClass(),
  ]);
}
