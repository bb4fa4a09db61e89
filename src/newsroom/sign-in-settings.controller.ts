import { Body, Controller, Post } from '@nestjs/common';
import { CurrentEditor, SignedInEditor } from '../auth/current-editor';
import { NewsroomPage } from '../auth/newsroom-page';
import { RequirePermission } from '../auth/require-permission';
import { SecondStep } from '../auth/second-step';
import { Locale } from '../common/locale';
import { ActionOutcome, NewsroomAction } from './newsroom-action';

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
    private readonly locale: Locale,
  ) {}

  @Post()
  @NewsroomAction('settings.sign-in', { redirect: '/admin/settings' })
  async save(@Body() body: RequireForm, @CurrentEditor() editor: SignedInEditor): Promise<ActionOutcome> {
    const required = body.requireSecondStep === 'on';
    await this.secondStep.settings.setRequireSecondStep(required, editor.email);
    return {
      subject: 'newsroom-settings',
      detail: { requireSecondStep: required },
      flash: this.locale.t(required ? 'signin.settings.savedOn' : 'signin.settings.savedOff'),
    };
  }
}
