import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { EditorSessions } from '../auth/editor-sessions';
import { NewsroomPage } from '../auth/newsroom-page';
import { RequirePermission } from '../auth/require-permission';
import { SecondStep } from '../auth/second-step';
import { SignInThrottle } from '../auth/sign-in-throttle';
import { isNewsroomPath } from '../auth/sign-in-url';
import { Locale } from '../common/locale';
import { NewsroomView } from './newsroom-view';

const CHALLENGE_TTL_MS = 5 * 60_000;

type ConfirmForm = Partial<Record<'code' | 'next', unknown>>;
type PasskeyBody = Partial<Record<'response' | 'next', unknown>>;

/**
 * The second step asked again of a signed-in editor (a step-up before a loud action): send the browser to
 * `/admin/account/confirm?next=<path>`; on success the session's `secondStepAt` is now and the browser goes
 * back to `next`. Wrong codes count as failed sign-ins, like at sign-in.
 */
@Controller('admin/account/confirm')
@NewsroomPage()
@RequirePermission('newsroom.use')
export class AccountConfirmController {
  constructor(
    private readonly view: NewsroomView,
    private readonly secondStep: SecondStep,
    private readonly sessions: EditorSessions,
    private readonly throttle: SignInThrottle,
    private readonly audit: AuditLog,
    private readonly locale: Locale,
  ) {}

  @Get()
  async form(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentEditor() editor: SignedInEditor,
    @Query('next') next?: string,
  ): Promise<void> {
    await this.show(req, res, editor, backTo(next));
  }

  @Post()
  async confirm(
    @Req() req: Request,
    @Res() res: Response,
    @Body() body: ConfirmForm,
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    const next = backTo(typeof body.next === 'string' ? body.next : undefined);
    const address = req.ip ?? 'unknown';
    if (await this.throttle.isLocked(editor.email, address)) {
      return this.show(req, res, editor, next, 429, this.locale.t('signin.errors.locked'));
    }
    const used = await this.secondStep.verifyCode(editor.id, typeof body.code === 'string' ? body.code : '');
    if (!used) {
      await this.throttle.recordFailure(editor.email, address);
      await this.audit.record(editor, 'editor.second-step-refused', undefined, { stepUp: true });
      return this.show(req, res, editor, next, 401, this.locale.t('signin.errors.wrongCode'));
    }
    this.sessions.recordSecondStep(req);
    await this.audit.record(editor, 'editor.step-up', undefined, { secondStep: used });
    res.redirect(303, next);
  }

  @Post('passkey/options')
  async passkeyOptions(@Req() req: Request, @Res() res: Response, @CurrentEditor() editor: SignedInEditor) {
    const options = await this.secondStep.passkeys.authenticationOptions(editor.id);
    req.session.webauthnChallenge = { challenge: options.challenge, purpose: 'step-up', at: Date.now() };
    res.status(200).json(options);
  }

  @Post('passkey')
  async passkey(
    @Req() req: Request,
    @Res() res: Response,
    @Body() body: PasskeyBody,
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    const held = req.session.webauthnChallenge;
    delete req.session.webauthnChallenge;
    const ok =
      held?.purpose === 'step-up' &&
      Date.now() - held.at < CHALLENGE_TTL_MS &&
      (await this.secondStep.passkeys.authenticate(
        body.response as AuthenticationResponseJSON,
        held.challenge,
        editor.id,
      ));
    if (!ok) {
      res.status(401).json({ message: this.locale.t('signin.errors.passkey') });
      return;
    }
    this.sessions.recordSecondStep(req);
    await this.audit.record(editor, 'editor.step-up', undefined, { secondStep: 'passkey' });
    res.status(200).json({ redirect: backTo(typeof body.next === 'string' ? body.next : undefined) });
  }

  private async show(
    req: Request,
    res: Response,
    editor: SignedInEditor,
    next: string,
    status = 200,
    error?: string,
  ): Promise<void> {
    const factors = await this.secondStep.factorsOf(editor.id);
    if (!factors.totp && factors.passkeys === 0) {
      this.view.flash(req, this.locale.t('signin.stepUp.noFactor'), 'error');
      return res.redirect(303, '/admin/account');
    }
    await this.view.page(
      req,
      res,
      'account-confirm',
      { factors, codes: factors.totp || factors.recoveryCodes > 0, next, error },
      { status, nav: 'account', title: this.locale.t('signin.stepUp.title') },
    );
  }
}

function backTo(next: string | undefined): string {
  return next && isNewsroomPath(next) && !next.startsWith('/admin/login') ? next : '/admin';
}
