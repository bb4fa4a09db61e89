import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { EditorAccounts } from '../auth/editor-accounts';
import { EditorSessions } from '../auth/editor-sessions';
import { Public } from '../auth/require-permission';
import { SecondStep } from '../auth/second-step';
import { SignInThrottle } from '../auth/sign-in-throttle';
import { SignedInEditor } from '../auth/signed-in-editor';
import { sendChallenge, takeChallenge } from '../auth/webauthn-challenge';
import { Locale } from '../common/locale';
import { NewsroomView } from './newsroom-view';
import { SignInFlow, SignInMethod } from './sign-in-flow';
import { safeNext } from './sign-in.controller';
import { TotpQrCode } from './totp-qr-code';

type CodeForm = Partial<Record<'code', unknown>>;
type PasskeyBody = Partial<Record<'response' | 'next' | 'name', unknown>>;
type Reason = 'second-step' | 'setup';
type Pending = { editor: SignedInEditor; next: string; method: string };

/**
 * The sign-in's second half, public like the sign-in form (the pending sign-in in the session is the key):
 * - /admin/login/second-step: an authenticator-app code, a recovery code or a passkey;
 * - /admin/login/setup: an editor the newsroom requires a second step of, who has none, sets one up;
 * - /admin/login/passkey: a passkey as the second step, or as the whole sign-in (no password).
 * Every POST checks the CSRF token; JSON posts carry it in X-CSRF-Token. `@Public()`: no editor is signed in yet.
 */
@ApiExcludeController()
@Controller('admin/login')
@Public()
export class SecondStepController {
  constructor(
    private readonly view: NewsroomView,
    private readonly sessions: EditorSessions,
    private readonly accounts: EditorAccounts,
    private readonly secondStep: SecondStep,
    private readonly throttle: SignInThrottle,
    private readonly flow: SignInFlow,
    private readonly audit: AuditLog,
    private readonly locale: Locale,
    private readonly qr: TotpQrCode,
  ) {}

  @Get('second-step')
  async secondStepForm(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.form(req, res, 'second-step');
  }

  @Post('second-step')
  async secondStepCode(@Req() req: Request, @Res() res: Response, @Body() body: CodeForm = {}): Promise<void> {
    const pending = await this.formPost(req, res, 'second-step');
    if (!pending) {
      return;
    }
    const { editor } = pending;
    const address = req.ip ?? 'unknown';
    if (await this.throttle.isLocked(editor.email, address)) {
      return this.showSecondStep(req, res, editor, 429, this.locale.t('signin.errors.locked'));
    }
    const used = await this.secondStep.verifyCode(editor.id, typeof body.code === 'string' ? body.code : '');
    if (!used) {
      await this.throttle.recordFailure(editor.email, address);
      await this.audit.record(editor, 'editor.second-step-refused');
      return this.showSecondStep(req, res, editor, 401, this.locale.t('signin.errors.wrongCode'));
    }
    await this.throttle.clearAccount(editor.email);
    await this.flow.complete(req, res, editor, {
      next: pending.next,
      method: pending.method as SignInMethod,
      secondStep: used,
    });
  }

  @Get('setup')
  async setupForm(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.form(req, res, 'setup');
  }

  @Post('setup/totp')
  async setupTotp(@Req() req: Request, @Res() res: Response, @Body() body: CodeForm = {}): Promise<void> {
    const pending = await this.formPost(req, res, 'setup');
    if (!pending) {
      return;
    }
    const code = typeof body.code === 'string' ? body.code : '';
    if (!(await this.secondStep.totp.confirm(pending.editor.id, code))) {
      return this.showSetup(req, res, pending.editor, 400, this.locale.t('signin.errors.wrongCode'));
    }
    const codes = await this.secondStep.recovery.issue(pending.editor.id);
    await this.audit.record(pending.editor, 'editor.totp-on');
    await this.flow.complete(req, res, pending.editor, {
      next: pending.next,
      method: pending.method as SignInMethod,
      secondStep: 'totp',
      recoveryCodes: codes,
    });
  }

  @Post('setup/passkey/options')
  async setupPasskeyOptions(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!this.acceptJsonCsrf(req, res)) {
      return;
    }
    const pending = await this.pending(req, 'setup');
    if (!pending) {
      return this.refuseJson(res, 401, 'signin.errors.expired');
    }
    const options = await this.secondStep.passkeys.registrationOptions(pending.editor);
    sendChallenge(req, res, options, 'register');
  }

  @Post('setup/passkey')
  async setupPasskey(@Req() req: Request, @Res() res: Response, @Body() body: PasskeyBody = {}): Promise<void> {
    if (!this.acceptJsonCsrf(req, res)) {
      return;
    }
    const pending = await this.pending(req, 'setup');
    const challenge = takeChallenge(req, 'register');
    if (!pending || !challenge) {
      return this.refuseJson(res, 401, 'signin.errors.expired');
    }
    const name = typeof body.name === 'string' && body.name.trim() ? body.name.trim() : 'passkey';
    const ok = await this.secondStep.passkeys.register(
      pending.editor,
      body.response as RegistrationResponseJSON,
      challenge,
      name,
    );
    if (!ok) {
      return this.refuseJson(res, 400, 'signin.errors.passkey');
    }
    await this.audit.record(pending.editor, 'editor.passkey-added', undefined, { name });
    const fresh = (await this.secondStep.recovery.remaining(pending.editor.id)) === 0;
    await this.flow.complete(req, res, pending.editor, {
      next: pending.next,
      method: pending.method as SignInMethod,
      secondStep: 'passkey',
      reply: 'json',
      recoveryCodes: fresh ? await this.secondStep.recovery.issue(pending.editor.id) : undefined,
    });
  }

  /** Options for a passkey sign-in: the pending editor's passkeys, or (no pending sign-in) any discoverable one. */
  @Post('passkey/options')
  async passkeyOptions(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!this.acceptJsonCsrf(req, res)) {
      return;
    }
    const pending = await this.pending(req, 'second-step');
    const options = await this.secondStep.passkeys.authenticationOptions(pending?.editor.id);
    sendChallenge(req, res, options, 'sign-in');
  }

  @Post('passkey')
  async passkeySignIn(@Req() req: Request, @Res() res: Response, @Body() body: PasskeyBody = {}): Promise<void> {
    if (!this.acceptJsonCsrf(req, res)) {
      return;
    }
    const challenge = takeChallenge(req, 'sign-in');
    if (!challenge) {
      return this.refuseJson(res, 401, 'signin.errors.expired');
    }
    const pending = await this.pending(req, 'second-step');
    const response = body.response as AuthenticationResponseJSON;
    const editorId = await this.secondStep.passkeys.authenticate(response, challenge, pending?.editor.id);
    const editor = editorId ? await this.accounts.find(editorId) : undefined;
    if (!editor) {
      return this.refuseJson(res, 401, 'signin.errors.passkey');
    }
    await this.flow.complete(req, res, editor, {
      next: pending?.next ?? safeNext(typeof body.next === 'string' ? body.next : undefined),
      method: (pending?.method as SignInMethod | undefined) ?? 'passkey',
      secondStep: 'passkey',
      reply: 'json',
    });
  }

  /** GET of a form: the form for the pending sign-in, or back to the sign-in form when there is none. */
  private async form(req: Request, res: Response, reason: Reason): Promise<void> {
    const pending = await this.pending(req, reason);
    if (!pending) {
      return res.redirect(303, '/admin/login');
    }
    await this.show(req, res, reason, pending.editor);
  }

  /**
   * POST of a form: the pending sign-in, or undefined once the refusal is answered. The CSRF token first,
   * whoever asks (nothing changes without it), then the pending sign-in.
   */
  private async formPost(req: Request, res: Response, reason: Reason): Promise<Pending | undefined> {
    const pending = await this.pending(req, reason);
    if (!this.sessions.acceptCsrf(req)) {
      await (pending
        ? this.show(req, res, reason, pending.editor, 403, this.locale.t('signin.errors.csrf'))
        : this.expired(req, res, 403));
      return undefined;
    }
    if (!pending) {
      await this.expired(req, res);
      return undefined;
    }
    return pending;
  }

  /** JSON posts: false, with a 403 answered, when the X-CSRF-Token is missing or wrong. */
  private acceptJsonCsrf(req: Request, res: Response): boolean {
    if (this.sessions.acceptCsrf(req)) {
      return true;
    }
    this.refuseJson(res, 403, 'signin.errors.csrf');
    return false;
  }

  private refuseJson(res: Response, status: number, key: string): void {
    res.status(status).json({ message: this.locale.t(key) });
  }

  private show(
    req: Request,
    res: Response,
    reason: Reason,
    editor: SignedInEditor,
    status?: number,
    error?: string,
  ): Promise<void> {
    return reason === 'setup'
      ? this.showSetup(req, res, editor, status, error)
      : this.showSecondStep(req, res, editor, status, error);
  }

  private async pending(req: Request, reason: Reason): Promise<Pending | undefined> {
    const pending = this.sessions.pendingOf(req);
    if (!pending || pending.reason !== reason) {
      return undefined;
    }
    const editor = await this.accounts.find(pending.editorId);
    return editor ? { editor, next: pending.next, method: pending.method } : undefined;
  }

  private async showSecondStep(
    req: Request,
    res: Response,
    editor: SignedInEditor,
    status = 200,
    error?: string,
  ): Promise<void> {
    const factors = await this.secondStep.factorsOf(editor.id);
    await this.view.page(
      req,
      res,
      'login-second-step',
      { factors, codes: factors.totp || factors.recoveryCodes > 0, error },
      { status, title: this.locale.t('signin.secondStep.title'), nav: 'login' },
    );
  }

  private async showSetup(
    req: Request,
    res: Response,
    editor: SignedInEditor,
    status = 200,
    error?: string,
  ): Promise<void> {
    const enrolment = await this.secondStep.totp.enrolment(editor);
    await this.view.page(
      req,
      res,
      'login-setup',
      { enrolment, qr: enrolment ? await this.qr.svg(enrolment.uri) : undefined, error },
      { status, title: this.locale.t('signin.setup.title'), nav: 'login' },
    );
  }

  private async expired(req: Request, res: Response, status = 401): Promise<void> {
    req.session.signInFormAt = Date.now();
    await this.view.page(
      req,
      res,
      'login',
      { next: '/admin', error: this.locale.t(status === 403 ? 'signin.errors.csrf' : 'signin.errors.expired') },
      { status, title: this.locale.t('signin.title'), nav: 'login' },
    );
  }
}
