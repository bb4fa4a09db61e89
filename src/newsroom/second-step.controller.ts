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
import { Locale } from '../common/locale';
import { NewsroomView } from './newsroom-view';
import { SignInFlow, SignInMethod } from './sign-in-flow';
import { safeNext } from './sign-in.controller';
import { TotpQrCode } from './totp-qr-code';

const CHALLENGE_TTL_MS = 5 * 60_000;

type CodeForm = Partial<Record<'code', unknown>>;
type PasskeyBody = Partial<Record<'response' | 'next' | 'name', unknown>>;

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
    const pending = await this.pending(req, 'second-step');
    if (!pending) {
      return res.redirect(303, '/admin/login');
    }
    await this.showSecondStep(req, res, pending.editor);
  }

  @Post('second-step')
  async secondStepCode(@Req() req: Request, @Res() res: Response, @Body() body: CodeForm = {}): Promise<void> {
    // The CSRF token first, whoever asks (nothing changes without it), then the pending sign-in.
    const pending = await this.pending(req, 'second-step');
    if (!this.sessions.acceptCsrf(req)) {
      return pending
        ? this.showSecondStep(req, res, pending.editor, 403, this.locale.t('signin.errors.csrf'))
        : this.expired(req, res, 403);
    }
    if (!pending) {
      return this.expired(req, res);
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
    const pending = await this.pending(req, 'setup');
    if (!pending) {
      return res.redirect(303, '/admin/login');
    }
    await this.showSetup(req, res, pending.editor);
  }

  @Post('setup/totp')
  async setupTotp(@Req() req: Request, @Res() res: Response, @Body() body: CodeForm = {}): Promise<void> {
    const pending = await this.pending(req, 'setup');
    if (!this.sessions.acceptCsrf(req)) {
      return pending
        ? this.showSetup(req, res, pending.editor, 403, this.locale.t('signin.errors.csrf'))
        : this.expired(req, res, 403);
    }
    if (!pending) {
      return this.expired(req, res);
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
    if (!this.sessions.acceptCsrf(req)) {
      res.status(403).json({ message: this.locale.t('signin.errors.csrf') });
      return;
    }
    const pending = await this.pending(req, 'setup');
    if (!pending) {
      res.status(401).json({ message: this.locale.t('signin.errors.expired') });
      return;
    }
    const options = await this.secondStep.passkeys.registrationOptions(pending.editor);
    req.session.webauthnChallenge = { challenge: options.challenge, purpose: 'register', at: Date.now() };
    res.status(200).json(options);
  }

  @Post('setup/passkey')
  async setupPasskey(@Req() req: Request, @Res() res: Response, @Body() body: PasskeyBody = {}): Promise<void> {
    if (!this.sessions.acceptCsrf(req)) {
      res.status(403).json({ message: this.locale.t('signin.errors.csrf') });
      return;
    }
    const pending = await this.pending(req, 'setup');
    const challenge = this.takeChallenge(req, 'register');
    if (!pending || !challenge) {
      res.status(401).json({ message: this.locale.t('signin.errors.expired') });
      return;
    }
    const name = typeof body.name === 'string' && body.name.trim() ? body.name.trim() : 'passkey';
    const ok = await this.secondStep.passkeys.register(
      pending.editor,
      body.response as RegistrationResponseJSON,
      challenge,
      name,
    );
    if (!ok) {
      res.status(400).json({ message: this.locale.t('signin.errors.passkey') });
      return;
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
    if (!this.sessions.acceptCsrf(req)) {
      res.status(403).json({ message: this.locale.t('signin.errors.csrf') });
      return;
    }
    const pending = await this.pending(req, 'second-step');
    const options = await this.secondStep.passkeys.authenticationOptions(pending?.editor.id);
    req.session.webauthnChallenge = { challenge: options.challenge, purpose: 'sign-in', at: Date.now() };
    res.status(200).json(options);
  }

  @Post('passkey')
  async passkeySignIn(@Req() req: Request, @Res() res: Response, @Body() body: PasskeyBody = {}): Promise<void> {
    if (!this.sessions.acceptCsrf(req)) {
      res.status(403).json({ message: this.locale.t('signin.errors.csrf') });
      return;
    }
    const challenge = this.takeChallenge(req, 'sign-in');
    if (!challenge) {
      res.status(401).json({ message: this.locale.t('signin.errors.expired') });
      return;
    }
    const pending = await this.pending(req, 'second-step');
    const response = body.response as AuthenticationResponseJSON;
    const editorId = await this.secondStep.passkeys.authenticate(response, challenge, pending?.editor.id);
    const editor = editorId ? await this.accounts.find(editorId) : undefined;
    if (!editor) {
      res.status(401).json({ message: this.locale.t('signin.errors.passkey') });
      return;
    }
    await this.flow.complete(req, res, editor, {
      next: pending?.next ?? safeNext(typeof body.next === 'string' ? body.next : undefined),
      method: (pending?.method as SignInMethod | undefined) ?? 'passkey',
      secondStep: 'passkey',
      reply: 'json',
    });
  }

  private async pending(
    req: Request,
    reason: 'second-step' | 'setup',
  ): Promise<{ editor: SignedInEditor; next: string; method: string } | undefined> {
    const pending = this.sessions.pendingOf(req);
    if (!pending || pending.reason !== reason) {
      return undefined;
    }
    const editor = await this.accounts.find(pending.editorId);
    return editor ? { editor, next: pending.next, method: pending.method } : undefined;
  }

  private takeChallenge(req: Request, purpose: 'register' | 'sign-in'): string | undefined {
    const held = req.session?.webauthnChallenge;
    if (req.session) {
      delete req.session.webauthnChallenge;
    }
    return held && held.purpose === purpose && Date.now() - held.at < CHALLENGE_TTL_MS ? held.challenge : undefined;
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
