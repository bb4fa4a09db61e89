import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { EditorSessions } from '../auth/editor-sessions';
import { NewsroomPage } from '../auth/newsroom-page';
import { RequirePermission } from '../auth/require-permission';
import { SecondStep } from '../auth/second-step';
import { isNewsroomPath } from '../auth/sign-in-url';
import { sendChallenge, takeChallenge } from '../auth/webauthn-challenge';
import { Locale } from '../common/locale';
import { NewsroomView } from './newsroom-view';
import { TotpQrCode } from './totp-qr-code';

type CodeForm = Partial<Record<'code', unknown>>;
type PasskeyBody = Partial<Record<'response' | 'name', unknown>>;

/**
 * Account → two-step sign-in: an authenticator app (QR code drawn on the server), its ten recovery codes, and
 * passkeys. Setting one up counts as passing the second step now (`session.secondStepAt`).
 */
@Controller('admin/account')
@NewsroomPage()
@RequirePermission('newsroom.use')
export class AccountTwoStepController {
  constructor(
    private readonly view: NewsroomView,
    private readonly secondStep: SecondStep,
    private readonly sessions: EditorSessions,
    private readonly audit: AuditLog,
    private readonly locale: Locale,
    private readonly qr: TotpQrCode,
  ) {}

  @Get('totp')
  async totpForm(@Req() req: Request, @Res() res: Response, @CurrentEditor() editor: SignedInEditor): Promise<void> {
    await this.showTotp(req, res, editor);
  }

  private async showTotp(
    req: Request,
    res: Response,
    editor: SignedInEditor,
    status = 200,
    error?: string,
  ): Promise<void> {
    const enrolment = await this.secondStep.totp.enrolment(editor);
    if (!enrolment) {
      return res.redirect(303, '/admin/account');
    }
    await this.view.page(
      req,
      res,
      'account-totp',
      { enrolment, qr: await this.qr.svg(enrolment.uri), error },
      { status, nav: 'account', title: this.locale.t('signin.totp.title') },
    );
  }

  @Post('totp')
  async totpConfirm(
    @Req() req: Request,
    @Res() res: Response,
    @Body() body: CodeForm,
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    if (!(await this.secondStep.totp.confirm(editor.id, typeof body.code === 'string' ? body.code : ''))) {
      return this.showTotp(req, res, editor, 400, this.locale.t('signin.errors.wrongCode'));
    }
    this.sessions.recordSecondStep(req);
    req.session.freshRecoveryCodes = await this.secondStep.recovery.issue(editor.id);
    // A session taken before the second step existed (a stolen cookie, a forgotten laptop) does not outlive it.
    await this.sessions.endOtherSessions(editor.id, req.sessionID);
    await this.audit.record(editor, 'editor.totp-on');
    res.redirect(303, '/admin/account/recovery-codes');
  }

  @Post('totp/disable')
  async totpDisable(
    @Req() req: Request,
    @Res() res: Response,
    @Body() body: CodeForm,
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    const factors = await this.secondStep.factorsOf(editor.id);
    if (factors.passkeys === 0 && (await this.secondStep.isRequiredFor(editor))) {
      this.view.flash(req, this.locale.t('signin.errors.required'), 'error');
      return res.redirect(303, '/admin/account');
    }
    if (!(await this.secondStep.verifyCode(editor.id, typeof body.code === 'string' ? body.code : ''))) {
      this.view.flash(req, this.locale.t('signin.errors.wrongCode'), 'error');
      return res.redirect(303, '/admin/account');
    }
    await this.secondStep.totp.disable(editor.id);
    if (factors.passkeys === 0) {
      await this.secondStep.recovery.revoke(editor.id);
    }
    await this.audit.record(editor, 'editor.totp-off');
    this.view.flash(req, this.locale.t('signin.totp.disabled'));
    res.redirect(303, '/admin/account');
  }

  @Post('recovery-codes')
  async newRecoveryCodes(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    if (!(await this.secondStep.hasAny(editor.id))) {
      return res.redirect(303, '/admin/account');
    }
    req.session.freshRecoveryCodes = await this.secondStep.recovery.issue(editor.id);
    await this.audit.record(editor, 'editor.recovery-codes');
    res.redirect(303, '/admin/account/recovery-codes');
  }

  /** The codes just made, shown this once. */
  @Get('recovery-codes')
  async showRecoveryCodes(@Req() req: Request, @Res() res: Response, @Query('next') next?: string): Promise<void> {
    const codes = req.session.freshRecoveryCodes;
    if (!codes) {
      return res.redirect(303, '/admin/account');
    }
    delete req.session.freshRecoveryCodes;
    await this.view.page(
      req,
      res,
      'account-recovery-codes',
      { codes, next: next && isNewsroomPath(next) ? next : '/admin/account' },
      { nav: 'account', title: this.locale.t('signin.recovery.title') },
    );
  }

  @Post('passkeys/options')
  async passkeyOptions(@Req() req: Request, @Res() res: Response, @CurrentEditor() editor: SignedInEditor) {
    const options = await this.secondStep.passkeys.registrationOptions(editor);
    sendChallenge(req, res, options, 'register');
  }

  @Post('passkeys')
  async addPasskey(
    @Req() req: Request,
    @Res() res: Response,
    @Body() body: PasskeyBody,
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    const challenge = takeChallenge(req, 'register');
    const name = typeof body.name === 'string' && body.name.trim() ? body.name.trim() : 'passkey';
    const ok =
      challenge !== undefined &&
      (await this.secondStep.passkeys.register(editor, body.response as RegistrationResponseJSON, challenge, name));
    if (!ok) {
      res.status(400).json({ message: this.locale.t('signin.errors.passkey') });
      return;
    }
    this.sessions.recordSecondStep(req);
    await this.audit.record(editor, 'editor.passkey-added', undefined, { name });
    this.view.flash(req, this.locale.t('signin.passkeys.added'));
    // The first factor comes with recovery codes, whichever it is: a lost security key must not lock anyone out;
    // and, as for the authenticator app, sessions opened with the password alone end.
    if ((await this.secondStep.recovery.remaining(editor.id)) === 0) {
      await this.sessions.endOtherSessions(editor.id, req.sessionID);
      req.session.freshRecoveryCodes = await this.secondStep.recovery.issue(editor.id);
      res.status(200).json({ redirect: '/admin/account/recovery-codes' });
      return;
    }
    res.status(200).json({ redirect: '/admin/account' });
  }

  @Post('passkeys/:id/delete')
  async removePasskey(
    @Req() req: Request,
    @Res() res: Response,
    @Param('id') id: string,
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    const factors = await this.secondStep.factorsOf(editor.id);
    if (!factors.totp && factors.passkeys <= 1 && (await this.secondStep.isRequiredFor(editor))) {
      this.view.flash(req, this.locale.t('signin.errors.required'), 'error');
      return res.redirect(303, '/admin/account');
    }
    if (await this.secondStep.passkeys.remove(editor.id, id.slice(0, 1024))) {
      await this.audit.record(editor, 'editor.passkey-removed');
      this.view.flash(req, this.locale.t('signin.passkeys.removed'));
    }
    res.redirect(303, '/admin/account');
  }
}
