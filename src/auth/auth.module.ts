import { Global, Module } from '@nestjs/common';
import { AuditLog } from './audit-log';
import { EditorAccounts } from './editor-accounts';
import { EditorAuthGuard } from './editor-auth.guard';
import { EditorSessions } from './editor-sessions';
import { EditorsRepository } from './editors.repository';
import { FirstEditorHint } from './first-editor-hint';
import { NewsroomPageGuard } from './newsroom-page';
import { SignInThrottle } from './sign-in-throttle';

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
  ],
  exports: [EditorAccounts, EditorSessions, SignInThrottle, AuditLog, EditorAuthGuard, NewsroomPageGuard],
})
export class AuthModule {}
