import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { EditorAccounts, MIN_PASSWORD_LENGTH, passwordProblem } from '../auth/editor-accounts';
import { EditorSessions } from '../auth/editor-sessions';
import { NewsroomPage } from '../auth/newsroom-page';
import { SecondStep } from '../auth/second-step';
import { NewsroomView } from './newsroom-view';
import { RequirePermission } from '../auth/require-permission';

type PasswordForm = Partial<Record<'current' | 'password' | 'confirm', unknown>>;

/** The signed-in editor's own account: changing the password (the current one is asked for first). */
@Controller('admin/account')
@NewsroomPage()
@RequirePermission('newsroom.use')
export class AccountController {
  constructor(
    private readonly view: NewsroomView,
    private readonly accounts: EditorAccounts,
    private readonly sessions: EditorSessions,
    private readonly audit: AuditLog,
    private readonly secondStep: SecondStep,
  ) {}

  @Get()
  async show(@Req() req: Request, @Res() res: Response, @CurrentEditor() editor: SignedInEditor): Promise<void> {
    await this.view.page(req, res, 'account', await this.context(editor));
  }

  /** The page's context: the password form and the two-step sign-in card. */
  private async context(editor: SignedInEditor, error?: string): Promise<Record<string, unknown>> {
    const [factors, passkeys, required] = await Promise.all([
      this.secondStep.factorsOf(editor.id),
      this.secondStep.passkeys.list(editor.id),
      this.secondStep.isRequiredFor(editor),
    ]);
    return {
      minLength: MIN_PASSWORD_LENGTH,
      error,
      twoStep: { ...factors, on: factors.totp || passkeys.length > 0, passkeys, required },
    };
  }

  @Post('password')
  async changePassword(
    @Req() req: Request,
    @Res() res: Response,
    @Body() body: PasswordForm,
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    const [current, password, confirm] = [body.current, body.password, body.confirm].map((v) =>
      typeof v === 'string' ? v : '',
    );
    const again = async (status: number, error: string) =>
      this.view.page(req, res, 'account', await this.context(editor, error), { status });
    const problem = passwordProblem(password, confirm);
    if (problem) {
      return again(400, problem);
    }
    if (!(await this.accounts.changePassword(editor.id, current, password))) {
      return again(400, this.view.t('newsroomActions.account.wrongPassword'));
    }
    // Anyone else signed in as this editor (a forgotten laptop, a stolen cookie) is signed out.
    await this.sessions.endOtherSessions(editor.id, req.sessionID);
    await this.audit.record(editor, 'editor.password-change');
    this.view.flash(req, this.view.t('newsroomActions.account.passwordChanged'));
    res.redirect(303, '/admin/account');
  }
}
