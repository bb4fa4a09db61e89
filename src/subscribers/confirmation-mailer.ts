import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { Locale } from '../common/locale';
import { TemplateRenderer } from '../common/template-renderer';
import { AppConfig } from '../config/app-config';
import { MailTransport } from '../delivery/mail-transport';
import { errorMessage } from '../common/error-message';

/**
 * Sends the double opt-in email (templates/confirm.mjml). Sending happens after the signup answer has gone
 * out, so a slow or failing mail server neither delays the reader nor reveals whether the address was new;
 * shutdown waits for sends still in flight.
 */
@Injectable()
export class ConfirmationMailer implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ConfirmationMailer.name);
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly renderer: TemplateRenderer,
    private readonly transport: MailTransport,
    private readonly locale: Locale,
    private readonly config: AppConfig,
  ) {}

  confirmUrl(token: string): string {
    return this.config.url(`/subscriptions/confirm?token=${token}`);
  }

  async send(subscriberId: string, email: string, token: string): Promise<void> {
    const subject = this.locale.t('readers.confirm.subject');
    const { html, text } = await this.renderer.renderEmail('confirm', {
      subject,
      preheader: this.locale.t('readers.confirm.preheader'),
      confirmUrl: this.confirmUrl(token),
      hours: this.config.env.CONFIRM_TOKEN_TTL_HOURS,
    });
    const sent = await this.transport.send({ to: email, subject, html, text });
    this.logger.log(`Confirmation email sent to subscriber ${subscriberId} (${sent.messageId})`);
  }

  /**
   * Renders the confirmation email once for many readers (a CSV import): MJML compiles once, and each reader's
   * own link is substituted into the result, as digests do for unsubscribe links.
   */
  async prepareMany(): Promise<(email: string, token: string) => Promise<void>> {
    const placeholder = 'NASHRAIMPORTTOKENPLACEHOLDER';
    const subject = this.locale.t('readers.confirm.subject');
    const { html, text } = await this.renderer.renderEmail('confirm', {
      subject,
      preheader: this.locale.t('readers.confirm.preheader'),
      confirmUrl: this.confirmUrl(placeholder),
      hours: this.config.env.CONFIRM_TOKEN_TTL_HOURS,
    });
    return async (email, token) => {
      await this.transport.send({
        to: email,
        subject,
        html: html.replaceAll(placeholder, token),
        text: text.replaceAll(placeholder, token),
      });
    };
  }

  /** Starts a send in the background; `onFailure` lets the caller release its once-per-10-minutes slot. */
  sendLater(subscriberId: string, email: string, token: string, onFailure: () => Promise<void>): void {
    const job = this.send(subscriberId, email, token).catch(async (err: unknown) => {
      this.logger.error(`Confirmation email to subscriber ${subscriberId} failed: ${errorMessage(err)}`);
      await onFailure().catch((e: unknown) => this.logger.error(`Could not release send slot: ${String(e)}`));
    });
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
  }

  /** Resolves when no confirmation email is being sent (shutdown; tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.idle();
  }
}
