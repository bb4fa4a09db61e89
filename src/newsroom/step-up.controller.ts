import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { EditorAccounts } from '../auth/editor-accounts';
import { NewsroomPage } from '../auth/newsroom-page';
import { RequirePermission } from '../auth/require-permission';
import { SignInThrottle } from '../auth/sign-in-throttle';
import { StepUp } from '../auth/step-up';
import { Locale } from '../common/locale';
import { NewsroomView } from './newsroom-view';

/** Only newsroom paths are followed after the step, so `next` can never send the editor off-site. */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/admin(\/[^\s\\]*)?(\?[^\s\\]*)?$/.test(value) && !value.startsWith('//')
    ? value
    : '/admin';
}

/**
 * "Confirm it is you" before the loudest sends (StepUp): the editor's password again. Two-step sign-in (branch
 * `signin`) adds a TOTP code or passkey here for editors who set one up; both end in `StepUp.markVerified`.
 */
@Controller('admin/step-up')
@NewsroomPage()
@RequirePermission('newsroom.use')
export class StepUpController {
  constructor(
    private readonly view: NewsroomView,
    private readonly accounts: EditorAccounts,
    private readonly throttle: SignInThrottle,
    private readonly stepUp: StepUp,
    private readonly audit: AuditLog,
    private readonly locale: Locale,
  ) {}

  @Get()
  async show(@Query('next') next: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.view.page(
      req,
      res,
      'step-up',
      { next: safeNext(next) },
      { title: this.locale.t('roles.stepUp.title'), nav: 'dashboard' },
    );
  }

  @Post()
  async verify(
    @Body() body: Partial<Record<'password' | 'next', unknown>>,
    @CurrentEditor() editor: SignedInEditor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const next = safeNext(body.next);
    const again = (error: string, status: number) =>
      this.view.page(
        req,
        res,
        'step-up',
        { next, error },
        { status, title: this.locale.t('roles.stepUp.title'), nav: 'dashboard' },
      );
    const address = req.ip ?? '';
    if (await this.throttle.isLocked(editor.email, address)) {
      return again(this.locale.t('roles.stepUp.locked'), 429);
    }
    const password = typeof body.password === 'string' ? body.password : '';
    if (!(await this.accounts.verifyPassword(editor.id, password))) {
      await this.throttle.recordFailure(editor.email, address);
      await this.audit.record(editor, 'editor.step-up-failed');
      return again(this.locale.t('roles.stepUp.wrongPassword'), 400);
    }
    this.stepUp.markVerified(req.session);
    await this.audit.record(editor, 'editor.step-up', undefined, { method: 'password', next });
    res.redirect(303, next);
  }
}
