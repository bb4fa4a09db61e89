import { SetMetadata } from '@nestjs/common';

export const PUBLIC_KEY = 'nashra:public';

/**
 * Marks a route (or controller) as open without an editor: readers' pages, the sign-in and invitation forms,
 * assets, health, provider webhooks (which check their own signatures). Changes nothing at run time; it is the
 * explicit "no permission needed" that the route walk (test/auth/route-permissions.e2e-spec.ts) asks of every
 * route without `@RequirePermission` (src/auth/require-permission.ts). Here in common/ so that modules which may
 * not import auth/ (health) can say it too.
 */
export function Public(): ClassDecorator & MethodDecorator {
  return SetMetadata(PUBLIC_KEY, true);
}
