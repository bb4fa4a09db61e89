import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditLog } from '../auth/audit-log';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { NewsroomPage } from '../auth/newsroom-page';
import { RequirePermission } from '../auth/require-permission';
import { SecondStep } from '../auth/second-step';
import { Locale } from '../common/locale';
import { NewsroomView } from './newsroom-view';

type RequireForm = Partial<Record<'requireSecondStep', unknown>>;

/**
 * Settings → sign-in: whether every editor must pass a second step. Editors without one are led to set one up
 * at their next sign-in. Owners only (`settings.manage`).
 */
@Controller('admin/settings/sign-in')
@NewsroomPage()
@RequirePermission('settings.manage')
export class SignInSettingsController {
  constructor(
    private readonly secondStep: SecondStep,
    private readonly view: NewsroomView,
    private readonly audit: AuditLog,
    private readonly locale: Locale,
  ) {}

  @Post()
  async save(
    @Req() req: Request,
    @Res() res: Response,
    @Body() body: RequireForm,
    @CurrentEditor() editor: SignedInEditor,
  ): Promise<void> {
    const required = body.requireSecondStep === 'on';
    await this.secondStep.settings.setRequireSecondStep(required, editor.email);
    await this.audit.record(editor, 'settings.sign-in', 'newsroom-settings', { requireSecondStep: required });
    this.view.flash(req, this.locale.t(required ? 'signin.settings.savedOn' : 'signin.settings.savedOff'));
    res.redirect(303, '/admin/settings');
  }
}
