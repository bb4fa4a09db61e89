import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Locale } from '../common/locale';
import type { ScopedToken } from './api-tokens';
import { can } from './permissions';
import { requiredPermission } from './require-permission';
import type { SignedInEditor } from './signed-in-editor';

/**
 * The permission check both guards run once they know who is asking: undefined when the route's declared
 * permission is held, else the Arabic reason to answer 403 with. A route that declares nothing is refused.
 */
@Injectable()
export class PermissionGate {
  private readonly logger = new Logger(PermissionGate.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly locale: Locale,
  ) {}

  editorRefusal(context: ExecutionContext, editor: SignedInEditor): string | undefined {
    const permission = this.declared(context);
    if (!permission) {
      return this.locale.t('roles.undeclared');
    }
    return can(editor, permission)
      ? undefined
      : this.locale.t('roles.refused', { role: this.locale.t(`roles.names.${editor.role}`) });
  }

  tokenRefusal(context: ExecutionContext, token: ScopedToken): string | undefined {
    const permission = this.declared(context);
    if (!permission) {
      return this.locale.t('roles.undeclared');
    }
    return token.permissions.includes(permission)
      ? undefined
      : this.locale.t('roles.tokenRefused', { scopes: token.scopes.join(' ') });
  }

  private declared(context: ExecutionContext) {
    const permission = requiredPermission(this.reflector, context);
    if (!permission) {
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} declares no permission: refused`);
    }
    return permission;
  }
}
