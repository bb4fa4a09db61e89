import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Response } from 'express';
import { Locale } from '../common/locale';
import { TemplateRenderer } from '../common/template-renderer';
import { AppConfig } from '../config/app-config';
import { errorMessage } from '../common/error-message';
import { NewslettersRepository } from './newsletters.repository';

/** A newsletter as a checkbox of the footer form. */
export interface FormNewsletter {
  slug: string;
  name: string;
  description: string;
  checked: boolean;
}

/**
 * The query flag of a signup posted from the iframed form (`/embed/form`): its answer and the thank-you page it
 * leads to may be framed by SITE_ORIGINS like the form itself (common/security-headers.ts), so a reader without
 * JavaScript sees them inside the site's frame instead of a blank one.
 */
export const EMBEDDED_ANSWER = 'embed=1';

export interface FormContext {
  /** Absolute article URL recorded as the consent page. */
  page?: string;
  /** Where a no-JavaScript reader returns after signing up (must be on a SITE_ORIGINS origin). */
  redirect?: string;
  /** Message shown in the form's aria-live status region. */
  error?: string;
  /** The checkboxes; default the newsletters the form shows (as last read). */
  newsletters?: FormNewsletter[];
  /** The form lives in the site's iframe: its answers (errors, thanks) must be framable there too. */
  embedded?: boolean;
}

/** Renders the reader-facing HTML pages (templates/pages/readers-*.hbs) with the signup form's context. */
@Injectable()
export class ReaderPages implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReaderPages.name);
  /** The form's newsletters as last read, for pages rendered where a query cannot wait (error pages). */
  private lastFormNewsletters: FormNewsletter[] = [];

  constructor(
    private readonly renderer: TemplateRenderer,
    private readonly locale: Locale,
    private readonly config: AppConfig,
    private readonly newsletters: NewslettersRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.formNewsletters();
    } catch (err) {
      this.logger.warn(`The form's newsletters could not be read yet: ${errorMessage(err)}`);
    }
  }

  /**
   * The footer form's checkboxes: the active newsletters shown on the form, their defaults ticked. `only` (the
   * embed's `?newsletters=a,b`) restricts them to those slugs (any active newsletter, shown or not), all ticked.
   */
  async formNewsletters(only?: string[]): Promise<FormNewsletter[]> {
    if (only && only.length > 0) {
      const active = await this.newsletters.list();
      const chosen = active.filter((n) => only.includes(n.slug));
      if (chosen.length > 0) {
        return chosen.map((n) => ({ slug: n.slug, name: n.name, description: n.description, checked: true }));
      }
    }
    const shown = await this.newsletters.onForm();
    this.lastFormNewsletters = shown.map((n) => ({
      slug: n.slug,
      name: n.name,
      description: n.description,
      checked: n.defaultChecked,
    }));
    return this.lastFormNewsletters;
  }

  /** The wording above the form: SIGNUP_FORM_TEXT, else the locale's default (the seed's footer). */
  get formText(): string {
    const custom = this.config.readers.signupFormText;
    return custom
      ? custom.replaceAll('{publication}', this.config.publication.name)
      : this.locale.t('readers.form.intro');
  }

  formContext(form: FormContext = {}): Record<string, unknown> {
    const formAction = this.config.url(form.embedded ? `/subscriptions?${EMBEDDED_ANSWER}` : '/subscriptions');
    return {
      formAction,
      formText: this.formText,
      ...form,
      newsletters: form.newsletters ?? this.lastFormNewsletters,
    };
  }

  html(name: string, context: Record<string, unknown>): string {
    return this.renderer.renderPage(name, context);
  }

  /** A page with a title and one message, optionally followed by the signup form. */
  message(
    res: Response,
    status: number,
    content: { title: string; message: string; tone?: 'success' | 'error'; note?: string; form?: FormContext },
  ): void {
    const html = this.html('readers-message', {
      title: content.title,
      message: content.message,
      tone: content.tone ?? 'success',
      note: content.note,
      showForm: Boolean(content.form),
      ...this.formContext(content.form),
    });
    this.send(res, status, html);
  }

  send(res: Response, status: number, html: string): void {
    // Pages behind personal links must not be cached by shared caches. Their Referrer-Policy (the token
    // never leaves for another site) and framing rules come from readerSecurityHeaders.
    res.status(status).set({ 'Cache-Control': 'no-store', 'Content-Type': 'text/html; charset=utf-8' }).send(html);
  }
}
