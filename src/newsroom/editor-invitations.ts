import { Injectable, Logger } from '@nestjs/common';
import { INVITE_TTL_DAYS } from '../auth/editor-accounts';
import { SignedInEditor } from '../auth/signed-in-editor';
import { TemplateRenderer } from '../common/template-renderer';
import { AppConfig } from '../config/app-config';
import { MailTransport } from '../delivery/mail-transport';

/** Emails an invitation link (templates/editor-invite.mjml) through the normal transport, or the outbox. */
@Injectable()
export class EditorInvitations {
  private readonly logger = new Logger(EditorInvitations.name);

  constructor(
    private readonly renderer: TemplateRenderer,
    private readonly transport: MailTransport,
    private readonly config: AppConfig,
  ) {}

  inviteUrl(token: string): string {
    return this.config.url(`/admin/invite?token=${encodeURIComponent(token)}`);
  }

  /** Sends the invitation; false (logged, token never logged) when the mail server refused it. */
  async send(invited: SignedInEditor, token: string, inviter: SignedInEditor): Promise<boolean> {
    const subject = `دعوة إلى غرفة تحرير ${this.config.env.PUBLICATION_NAME}`;
    try {
      const { html, text } = await this.renderer.renderEmail('editor-invite', {
        subject,
        preheader: 'اختر كلمة مرور لحسابك في غرفة التحرير',
        name: invited.name,
        inviter: inviter.name,
        inviteUrl: this.inviteUrl(token),
        days: INVITE_TTL_DAYS,
      });
      const sent = await this.transport.send({ to: invited.email, subject, html, text });
      this.logger.log(`Invitation for editor ${invited.id} sent (${sent.messageId})`);
      return true;
    } catch (err) {
      this.logger.error(`Invitation for editor ${invited.id} failed: ${(err as Error).message}`);
      return false;
    }
  }
}
