import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { DuplicateEditorError, EditorAccounts, normaliseEmail } from '../auth/editor-accounts';
import { NewsroomPage } from '../auth/newsroom-page';
import { EditorInvitations } from './editor-invitations';
import { NewsroomView } from './newsroom-view';

type InviteForm = Partial<Record<'email' | 'name', unknown>>;

/** The editors list, and inviting a colleague (an account without password plus a one-time link). */
@Controller('admin/editors')
@NewsroomPage()
export class EditorsController {
  constructor(
    private readonly view: NewsroomView,
    private readonly accounts: EditorAccounts,
    private readonly invitations: EditorInvitations,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.render(req, res, 200, {});
  }

  // A plain-object body (the ValidationPipe skips it) so a bad address gets this page again, in Arabic.
  @Post('invite')
  async invite(
    @Req() req: Request,
    @Res() res: Response,
    @Body() body: InviteForm = {},
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    const email = typeof body.email === 'string' ? normaliseEmail(body.email) : '';
    const name = typeof body.name === 'string' ? body.name.trim().slice(0, 100) : '';
    if (!/^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(email) || email.length > 254) {
      return this.render(req, res, 400, { error: 'أدخل بريدًا إلكترونيًا صحيحًا.', email, name });
    }
    let invitation: Awaited<ReturnType<EditorAccounts['invite']>>;
    try {
      invitation = await this.accounts.invite({ email, name }, editor);
    } catch (err) {
      if (err instanceof DuplicateEditorError) {
        return this.render(req, res, 409, { error: 'لهذا البريد حساب محرر بالفعل.', email, name });
      }
      throw err;
    }
    const sent = await this.invitations.send(invitation.editor, invitation.token, editor);
    await this.audit.record(editor, 'editor.invite', email, { mailed: sent });
    if (sent) {
      this.view.flash(req, `أرسلنا دعوة إلى ${email}. الرابط صالح سبعة أيام.`);
    } else {
      this.view.flash(
        req,
        `تعذّر إرسال البريد إلى ${email}. أرسل له هذا الرابط بنفسك: ${this.invitations.inviteUrl(invitation.token)}`,
        'error',
      );
    }
    res.redirect(303, '/admin/editors');
  }

  private async render(req: Request, res: Response, status: number, form: Record<string, unknown>): Promise<void> {
    const editors = (await this.accounts.list()).map((e) => ({
      ...e,
      invited: !e.passwordHash,
      inviteExpired: !e.passwordHash && (!e.inviteExpiresAt || e.inviteExpiresAt < new Date()),
    }));
    await this.view.page(req, res, 'editors', { editors, ...form }, { status });
  }
}
