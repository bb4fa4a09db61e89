import { Injectable, Logger } from '@nestjs/common';
import { SignedInEditor } from '../auth/signed-in-editor';
import { errorMessage } from '../common/error-message';
import { Locale } from '../common/locale';
import { TemplateRenderer } from '../common/template-renderer';
import { AppConfig } from '../config/app-config';
import { TransactionalOutbox } from '../delivery/transactional-outbox';

/**
 * "Someone signed in to your account from a new browser": queued in the transactional outbox
 * (templates/editor-new-device.mjml) so an editor whose password was taken hears of it at once.
 */
@Injectable()
export class NewDeviceNotice {
  private readonly logger = new Logger(NewDeviceNotice.name);

  constructor(
    private readonly renderer: TemplateRenderer,
    private readonly outbox: TransactionalOutbox,
    private readonly config: AppConfig,
    private readonly locale: Locale,
  ) {}

  /** Queues the notice; false (logged) when it could not be composed or queued: the sign-in goes on. */
  async send(editor: SignedInEditor, device: { userAgent: string; address: string; at: Date }): Promise<boolean> {
    const subject = this.locale.t('signin.newDevice.subject');
    try {
      const { html, text } = await this.renderer.renderEmail('editor-new-device', {
        subject,
        preheader: this.locale.t('signin.newDevice.preheader'),
        name: editor.name,
        userAgent: device.userAgent || '—',
        address: device.address,
        at: device.at.toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
        accountUrl: this.config.url('/admin/account'),
      });
      const [queued] = await this.outbox.enqueue([
        { kind: 'editor-new-device', to: editor.email, subject, html, text },
      ]);
      this.outbox.wake();
      this.logger.log(`New-device notice for editor ${editor.id} queued (message ${queued.id})`);
      return true;
    } catch (err) {
      this.logger.error(`New-device notice for editor ${editor.id} failed: ${errorMessage(err)}`);
      return false;
    }
  }
}
