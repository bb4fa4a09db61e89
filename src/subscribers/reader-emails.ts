import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { MessageTemplates } from '../delivery/delivery-ports';
import { Locale } from '../common/locale';
import { READER_PLACEHOLDERS } from '../common/reader-placeholders';
import { TemplateRenderer } from '../common/template-renderer';
import { AppConfig } from '../config/app-config';

/** Days between the sunset email and the unsubscribe, when the reader does not click "keep me". */
export const SUNSET_GRACE_DAYS = 14;

/** Per-reader parts of the readers' emails, beside the unsubscribe/preferences ones (READER_PLACEHOLDERS). */
const PLACEHOLDERS = {
  confirmToken: 'NASHRA-CONFIRM-TOKEN-PLACEHOLDER',
  keepToken: 'NASHRA-KEEP-TOKEN-PLACEHOLDER',
  ...READER_PLACEHOLDERS,
} as const;

const READER_EMAIL_NAMES = ['confirm', 'welcome', 'reminder', 'sunset'] as const;
type ReaderEmailName = (typeof READER_EMAIL_NAMES)[number];

export interface ComposedEmail {
  subject: string;
  html: string;
  text: string;
}

/** The per-reader values one email needs (others are left alone). */
export interface ReaderValues {
  confirmToken?: string;
  keepToken?: string;
  unsubscribeUrl?: string;
  preferencesUrl?: string;
}

/**
 * The emails readers get outside digests (templates/confirm, welcome, reminder, sunset .mjml). Each is
 * compiled once per process (the confirmation at start-up, so no signup ever waits for MJML) with
 * placeholders for the reader's token and links, and personalised by string substitution, as editions are.
 */
@Injectable()
export class ReaderEmails implements OnApplicationBootstrap, MessageTemplates {
  private readonly compiled = new Map<ReaderEmailName, Promise<ComposedEmail>>();

  constructor(
    private readonly renderer: TemplateRenderer,
    private readonly locale: Locale,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.template('confirm');
  }

  /** An email's subject (the same for every reader). */
  async subject(name: ReaderEmailName): Promise<string> {
    return (await this.template(name)).subject;
  }

  /** MESSAGE_TEMPLATES: composes an outbox row stored by template when the worker sends it. */
  composeTemplate(template: string, values: Record<string, string>): Promise<ComposedEmail> {
    const name = READER_EMAIL_NAMES.find((n) => n === template);
    if (!name) {
      return Promise.reject(new Error(`unknown reader email template ${template}`));
    }
    return this.compose(name, values);
  }

  confirmUrl(token: string): string {
    return this.config.url(`/subscriptions/confirm?token=${token}`);
  }

  keepUrl(token: string): string {
    return this.config.url(`/subscriptions/keep?token=${token}`);
  }

  async compose(name: ReaderEmailName, values: ReaderValues): Promise<ComposedEmail> {
    const { subject, html, text } = await this.template(name);
    const fill = (body: string) => {
      let out = body;
      if (values.confirmToken !== undefined) {
        out = out.replaceAll(PLACEHOLDERS.confirmToken, values.confirmToken);
      }
      if (values.keepToken !== undefined) {
        out = out.replaceAll(PLACEHOLDERS.keepToken, values.keepToken);
      }
      if (values.unsubscribeUrl !== undefined) {
        out = out.replaceAll(PLACEHOLDERS.unsubscribeUrl, values.unsubscribeUrl);
      }
      if (values.preferencesUrl !== undefined) {
        out = out.replaceAll(PLACEHOLDERS.preferencesUrl, values.preferencesUrl);
      }
      return out;
    };
    return { subject, html: fill(html), text: fill(text) };
  }

  private template(name: ReaderEmailName): Promise<ComposedEmail> {
    let template = this.compiled.get(name);
    if (!template) {
      template = this.build(name);
      // A failed compile is not kept, so the next use tries again.
      template.catch(() => this.compiled.delete(name));
      this.compiled.set(name, template);
    }
    return template;
  }

  private async build(name: ReaderEmailName): Promise<ComposedEmail> {
    const key = name === 'confirm' ? 'readers.confirm' : `readers.${name}`;
    const subject = this.locale.t(`${key}.subject`);
    const { html, text } = await this.renderer.renderEmail(name, {
      subject,
      preheader: this.locale.t(`${key}.preheader`),
      confirmUrl: this.confirmUrl(PLACEHOLDERS.confirmToken),
      keepUrl: this.keepUrl(PLACEHOLDERS.keepToken),
      unsubscribeUrl: PLACEHOLDERS.unsubscribeUrl,
      preferencesUrl: PLACEHOLDERS.preferencesUrl,
      hours: this.config.readers.confirmTokenTtlHours,
      days: SUNSET_GRACE_DAYS,
    });
    return { subject, html, text };
  }
}
