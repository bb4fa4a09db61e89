import { Injectable, Logger } from '@nestjs/common';
import { INVITE_TTL_DAYS } from '../auth/editor-accounts';
import { SignedInEditor } from '../auth/signed-in-editor';
import { TemplateRenderer } from '../common/template-renderer';
import { AppConfig } from '../config/app-config';
import { TransactionalOutbox } from '../delivery/transactional-outbox';

/** Queues an invitation email (templates/editor-invite.mjml) in the transactional outbox; the workers send it. */
@Injectable()
export class EditorInvitations {
  private readonly logger = new Logger(EditorInvitations.name);

  constructor(
    private readonly renderer: TemplateRenderer,
    private readonly outbox: TransactionalOutbox,
    private readonly config: AppConfig,
  ) {}

  inviteUrl(token: string): string {
    return this.config.url(`/admin/invite?token=${encodeURIComponent(token)}`);
  }

  /** Queues the invitation; false (logged, token never logged) when it could not be composed or queued. */
  async send(invited: SignedInEditor, token: string, inviter: SignedInEditor): Promise<boolean> {
    const subject = this.renderer.t('newsroomActions.invite.subject');
    try {
      const { html, text } = await this.renderer.renderEmail('editor-invite', {
        subject,
        preheader: this.renderer.t('newsroomActions.invite.preheader'),
        name: invited.name,
        inviter: inviter.name,
        inviteUrl: this.inviteUrl(token),
        days: INVITE_TTL_DAYS,
      });
      const [queued] = await this.outbox.enqueue([
        { kind: 'editor-invitation', to: invited.email, subject, html, text },
      ]);
      this.outbox.wake();
      this.logger.log(`Invitation for editor ${invited.id} queued (message ${queued.id})`);
      return true;
    } catch (err) {
      this.logger.error(`Invitation for editor ${invited.id} failed: ${(err as Error).message}`);
      return false;
    }
  }
}
