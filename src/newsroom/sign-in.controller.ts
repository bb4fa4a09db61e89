import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { EditorAccounts, normaliseEmail } from '../auth/editor-accounts';
import { EditorSessions } from '../auth/editor-sessions';
import { NewsroomPage } from '../auth/newsroom-page';
import { SignInThrottle } from '../auth/sign-in-throttle';
import { OidcSignIn } from '../auth/oidc-sign-in';
import { isNewsroomPath } from '../auth/sign-in-url';
import { Locale } from '../common/locale';
import { NewsroomView } from './newsroom-view';
import { Public, RequirePermission } from '../auth/require-permission';
import { SignInFlow } from './sign-in-flow';

type SignInForm = Partial<Record<'email' | 'password' | 'next', unknown>>;

/** Sign-in and sign-out. The form itself is public; everything else in the newsroom needs a session. */
@ApiExcludeController()
@Controller('admin')
export class SignInController {
  constructor(
    private readonly view: NewsroomView,
    private readonly sessions: EditorSessions,
    private readonly accounts: EditorAccounts,
    private readonly throttle: SignInThrottle,
    private readonly audit: AuditLog,
    private readonly flow: SignInFlow,
    private readonly sso: OidcSignIn,
    private readonly locale: Locale,
  ) {}

  @Public()
  @Get('login')
  async form(@Req() req: Request, @Res() res: Response, @Query('next') next?: string): Promise<void> {
    if (await this.sessions.editorOf(req)) {
      return res.redirect(303, safeNext(next));
    }
    // Saves an anonymous session so the form's CSRF token is bound to an id that survives until the POST.
    req.session.signInFormAt = Date.now();
    await this.view.page(req, res, 'login', this.formContext({ next: safeNext(next) }), {
      title: this.locale.t('signin.title'),
      nav: 'login',
    });
  }

  // The body is read as a plain object (the global ValidationPipe skips it) so a bad form gets an Arabic page;
  // a body in a type no parser reads (text/plain) arrives as undefined.
  @Public()
  @Post('login')
  async signIn(@Req() req: Request, @Res() res: Response, @Body() body: SignInForm = {}): Promise<void> {
    const email = typeof body.email === 'string' ? normaliseEmail(body.email) : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const next = safeNext(typeof body.next === 'string' ? body.next : undefined);
    const again = (status: number, error: string) =>
      this.view.page(req, res, 'login', this.formContext({ next, email, error }), {
        status,
        title: this.locale.t('signin.title'),
        nav: 'login',
      });
    if (!this.sessions.acceptCsrf(req)) {
      req.session.signInFormAt = Date.now();
      return again(403, this.locale.t('signin.errors.formExpired'));
    }
    if (!email || !password) {
      return again(400, this.locale.t('signin.errors.missing'));
    }
    const address = req.ip ?? 'unknown';
    if (await this.throttle.isLocked(email, address)) {
      return again(429, this.locale.t('signin.errors.locked'));
    }
    const editor = await this.accounts.authenticate(email, password);
    if (!editor) {
      await this.throttle.recordFailure(email, address);
      return again(401, this.locale.t('signin.errors.wrongPassword'));
    }
    await this.throttle.clearAccount(email);
    // Signed in now, or sent on to the second step (see SignInFlow).
    await this.flow.afterFirstStep(req, res, editor, next, 'password');
  }

  private formContext(context: Record<string, unknown>): Record<string, unknown> {
    const next = typeof context.next === 'string' ? context.next : '/admin';
    const sso = { label: this.sso.label, href: `/admin/login/sso?next=${encodeURIComponent(next)}` };
    return { ...context, sso: this.sso.enabled ? sso : undefined };
  }

  @RequirePermission('newsroom.use')
  @Post('logout')
  @NewsroomPage()
  async signOut(@Req() req: Request, @Res() res: Response, @CurrentEditor() editor: SignedInEditor): Promise<void> {
    await this.audit.record(editor, 'editor.sign-out');
    await this.sessions.signOut(req, res);
    res.redirect(303, '/admin/login');
  }
}

export function safeNext(next: string | undefined): string {
  return next && isNewsroomPath(next) && !next.startsWith('/admin/login') ? next : '/admin';
}
