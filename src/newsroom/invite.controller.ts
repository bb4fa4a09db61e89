import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { EditorAccounts, MIN_PASSWORD_LENGTH, passwordProblem } from '../auth/editor-accounts';
import { EditorSessions } from '../auth/editor-sessions';
import { NewsroomView } from './newsroom-view';
import { localeText } from '../common/locale';
import { Public } from '../common/public-route';

type AcceptForm = Partial<Record<'token' | 'password' | 'confirm', unknown>>;

const GONE = localeText('newsroomActions.invite.gone');
const TITLE = localeText('newsroomActions.invite.title');

/** An invited editor chooses a password through the one-time link, and is signed in. Public, like sign-in. */
@ApiExcludeController()
@Controller('admin/invite')
@Public()
export class InviteController {
  constructor(
    private readonly view: NewsroomView,
    private readonly accounts: EditorAccounts,
    private readonly sessions: EditorSessions,
    private readonly audit: AuditLog,
  ) {}

  @Get()
  async form(@Req() req: Request, @Res() res: Response, @Query('token') token?: string): Promise<void> {
    const invited = typeof token === 'string' && token ? await this.accounts.findInvite(token) : undefined;
    req.session.signInFormAt = Date.now(); // a stable anonymous session for the form's CSRF token
    res.set('Referrer-Policy', 'no-referrer');
    await this.view.page(
      req,
      res,
      'invite',
      invited ? { invited, token, minLength: MIN_PASSWORD_LENGTH } : { gone: GONE },
      { status: invited ? 200 : 410, title: TITLE, nav: 'invite' },
    );
  }

  @Post()
  async accept(@Req() req: Request, @Res() res: Response, @Body() body: AcceptForm = {}): Promise<void> {
    const [token, password, confirm] = [body.token, body.password, body.confirm].map((v) =>
      typeof v === 'string' ? v : '',
    );
    const again = async (status: number, error: string) => {
      const invited = token ? await this.accounts.findInvite(token) : undefined;
      await this.view.page(
        req,
        res,
        'invite',
        invited ? { invited, token, minLength: MIN_PASSWORD_LENGTH, error } : { gone: status === 403 ? error : GONE },
        { status: invited || status === 403 ? status : 410, title: TITLE, nav: 'invite' },
      );
    };
    if (!this.sessions.acceptCsrf(req)) {
      req.session.signInFormAt = Date.now();
      return again(403, this.view.t('newsroomActions.invite.formExpired'));
    }
    const problem = passwordProblem(password, confirm);
    if (problem) {
      return again(400, problem);
    }
    const editor = token ? await this.accounts.acceptInvite(token, password) : undefined;
    if (!editor) {
      return again(410, GONE);
    }
    await this.sessions.signIn(req, editor);
    await this.audit.record(editor, 'editor.accept-invite');
    this.view.flash(req, this.view.t('newsroomActions.invite.welcome', { name: editor.name }));
    res.redirect(303, '/admin');
  }
}
