import { Global, Module } from '@nestjs/common';
import { ApiTokens } from './api-tokens';
import { ApiTokensRepository } from './api-tokens.repository';
import { AuditLog } from './audit-log';
import { EditorAccounts } from './editor-accounts';
import { EditorAuthGuard } from './editor-auth.guard';
import { EditorSessions } from './editor-sessions';
import { EditorsRepository } from './editors.repository';
import { FirstEditorHint } from './first-editor-hint';
import { NewsroomPageGuard } from './newsroom-page';
import { PermissionGate } from './permission-gate';
import { SignInThrottle } from './sign-in-throttle';
import { StepUp } from './step-up';

/**
 * Editors: accounts, sessions and CSRF, the guards every admin controller uses (`EditorOnly()` for the
 * machine API, `NewsroomPage()` for the screens) and the audit log. Global so any module's controllers can
 * use the guards and record actions without importing it.
 */
@Global()
@Module({
  providers: [
    EditorsRepository,
    EditorAccounts,
    EditorSessions,
    SignInThrottle,
    AuditLog,
    EditorAuthGuard,
    NewsroomPageGuard,
    FirstEditorHint,
    ApiTokensRepository,
    ApiTokens,
    PermissionGate,
    StepUp,
  ],
  exports: [
    EditorAccounts,
    EditorSessions,
    SignInThrottle,
    AuditLog,
    EditorAuthGuard,
    NewsroomPageGuard,
    ApiTokens,
    PermissionGate,
    StepUp,
  ],
})
export class AuthModule {}
