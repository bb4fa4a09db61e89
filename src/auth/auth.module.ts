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
import { EditorDevices } from './editor-devices';
import { OidcSignIn } from './oidc-sign-in';
import { Passkeys } from './passkeys';
import { RecoveryCodes } from './recovery-codes';
import { SecondStep } from './second-step';
import { SignInSettings } from './sign-in-settings';
import { SignInThrottle } from './sign-in-throttle';
import { TotpFactor } from './totp-factor';
import { PermissionGate } from './permission-gate';
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
    TotpFactor,
    RecoveryCodes,
    Passkeys,
    SignInSettings,
    SecondStep,
    EditorDevices,
    OidcSignIn,
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
    SecondStep,
    EditorDevices,
    OidcSignIn,
    ApiTokens,
    PermissionGate,
    StepUp,
  ],
})
export class AuthModule {}
