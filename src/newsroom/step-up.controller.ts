import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { EditorAccounts } from '../auth/editor-accounts';
import { NewsroomPage } from '../auth/newsroom-page';
import { RequirePermission } from '../auth/require-permission';
import { SecondFactors, SecondStep } from '../auth/second-step';
import { SignInThrottle } from '../auth/sign-in-throttle';
import { isNewsroomPath } from '../auth/sign-in-url';
import { STEP_UP_PATH, StepUp } from '../auth/step-up';
import { sendChallenge, takeChallenge } from '../auth/webauthn-challenge';
import { Locale } from '../common/locale';
import { NewsroomView } from './newsroom-view';

type StepUpForm = Partial<Record<'code' | 'password' | 'next', unknown>>;
type PasskeyBody = Partial<Record<'response' | 'next', unknown>>;

/** Only newsroom paths are followed after the step, so `next` can never send the editor off-site or in a loop. */
function safeNext(value: unknown): string {
  return typeof value === 'string' &&
    isNewsroomPath(value) &&
    !value.startsWith('/admin/login') &&
    !value.startsWith(STEP_UP_PATH)
    ? value
    : '/admin';
}

function hasFactor(factors: SecondFactors): boolean {
  return factors.totp || factors.passkeys > 0;
}

/**
 * "Confirm it is you" (`/admin/step-up?next=…`), the one page that sets a signed-in session's `secondStepAt`
 * again: `StepUp.requireRecent` sends the loudest sends here, and anything else that wants a fresh second step
 * may link to it. An editor with a second factor gives it again (an authenticator or recovery code, or a
 * passkey: the checks of the sign-in's second step); an editor without one gives the password. Wrong answers
 * count towards the sign-in throttle; `editor.step-up` / `editor.step-up-failed` go to the audit log.
 */
@Controller('admin/step-up')
@NewsroomPage()
@RequirePermission('newsroom.use')
export class StepUpController {
  constructor(
    private readonly view: NewsroomView,
    private readonly accounts: EditorAccounts,
    private readonly secondStep: SecondStep,
    private readonly throttle: SignInThrottle,
    private readonly stepUp: StepUp,
    private readonly audit: AuditLog,
    private readonly locale: Locale,
  ) {}

  @Get()
  async form(
    @Query('next') next: unknown,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.show(req, res, editor, safeNext(next));
  }

  @Post()
  async verify(
    @Body() body: StepUpForm,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const next = safeNext(body.next);
    const address = req.ip ?? 'unknown';
    if (await this.throttle.isLocked(editor.email, address)) {
      return this.show(req, res, editor, next, 429, this.locale.t('roles.stepUp.locked'));
    }
    // Which proof is asked follows the account, not the form: an editor with a factor cannot fall back to the
    // password here, which is what a phished password alone would try.
    const factors = await this.secondStep.factorsOf(editor.id);
    let method: string | undefined;
    if (hasFactor(factors)) {
      method = await this.secondStep.verifyCode(editor.id, typeof body.code === 'string' ? body.code : '');
    } else if (await this.accounts.verifyPassword(editor.id, typeof body.password === 'string' ? body.password : '')) {
      method = 'password';
    }
    if (!method) {
      await this.throttle.recordFailure(editor.email, address);
      await this.audit.record(editor, 'editor.step-up-failed', undefined, {
        method: hasFactor(factors) ? 'code' : 'password',
      });
      return hasFactor(factors)
        ? this.show(req, res, editor, next, 401, this.locale.t('signin.errors.wrongCode'), factors)
        : this.show(req, res, editor, next, 400, this.locale.t('roles.stepUp.wrongPassword'), factors);
    }
    this.stepUp.markVerified(req.session);
    await this.audit.record(editor, 'editor.step-up', undefined, { method, next });
    res.redirect(303, next);
  }

  @Post('passkey/options')
  async passkeyOptions(@Req() req: Request, @Res() res: Response, @CurrentEditor() editor: SignedInEditor) {
    const options = await this.secondStep.passkeys.authenticationOptions(editor.id);
    sendChallenge(req, res, options, 'step-up');
  }

  @Post('passkey')
  async passkey(
    @Req() req: Request,
    @Res() res: Response,
    @Body() body: PasskeyBody,
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    const challenge = takeChallenge(req, 'step-up');
    const ok =
      challenge !== undefined &&
      (await this.secondStep.passkeys.authenticate(body.response as AuthenticationResponseJSON, challenge, editor.id));
    if (!ok) {
      await this.audit.record(editor, 'editor.step-up-failed', undefined, { method: 'passkey' });
      res.status(401).json({ message: this.locale.t('signin.errors.passkey') });
      return;
    }
    const next = safeNext(body.next);
    this.stepUp.markVerified(req.session);
    await this.audit.record(editor, 'editor.step-up', undefined, { method: 'passkey', next });
    res.status(200).json({ redirect: next });
  }

  private async show(
    req: Request,
    res: Response,
    editor: SignedInEditor,
    next: string,
    status = 200,
    error?: string,
    known?: SecondFactors,
  ): Promise<void> {
    const factors = known ?? (await this.secondStep.factorsOf(editor.id));
    await this.view.page(
      req,
      res,
      'step-up',
      {
        next,
        error,
        // With a factor: its code field (authenticator or recovery codes) and passkey button; else the password.
        factors: hasFactor(factors) ? factors : undefined,
        codes: factors.totp || (hasFactor(factors) && factors.recoveryCodes > 0),
      },
      { status, title: this.locale.t('roles.stepUp.title'), nav: 'dashboard' },
    );
  }
}
