import { Injectable, Logger } from '@nestjs/common';
import { ConflictError } from '../common/domain-errors';
import type { Article } from '../articles/article.entity';
import { Locale } from '../common/locale';
import { personalise, type ReaderLinks } from '../common/reader-placeholders';
import type { RenderedEmail } from '../common/template-renderer';
import { AppConfig } from '../config/app-config';
import { TransactionalOutbox } from '../delivery/transactional-outbox';
import { ownName } from './newsletter-names';
import type { EditionPlan } from './edition-assembler';
import { EditionRenderer } from './edition-renderer';
import { EditionsService } from './editions.service';

/** How long a test send waits for the workers before answering "queued". */
const TEST_SEND_WAIT_MS = 8000;

export interface DigestPreview {
  plan: EditionPlan;
  subject: string;
  preheader: string;
  email: RenderedEmail;
}

/**
 * What editors look at before readers do: the next edition rendered from the articles it would take, never
 * saved, and test sends of it to a few addresses. Readers' links are replaced by harmless non-personal ones.
 */
@Injectable()
export class DigestPreviews {
  private readonly logger = new Logger(DigestPreviews.name);

  constructor(
    private readonly editions: EditionsService,
    private readonly renderer: EditionRenderer,
    private readonly outbox: TransactionalOutbox,
    private readonly locale: Locale,
    private readonly config: AppConfig,
  ) {}

  /** Links that lead nowhere personal: the publication's site, where the signup form lives. */
  get exampleLinks(): ReaderLinks {
    return { unsubscribeUrl: this.config.publication.siteUrl, preferencesUrl: this.config.publication.siteUrl };
  }

  async preview(frequency: string): Promise<DigestPreview> {
    const plan = await this.editions.preview(frequency);
    if (plan.articles.length === 0) {
      throw new ConflictError(`No new ${frequency} articles since the last edition: the next edition would be skipped`);
    }
    // An editor's plan (Next digest screen) may set the subject, preheader and note.
    const name = ownName(plan);
    const subject =
      plan.subject?.trim() || this.renderer.defaultSubject(plan.frequency, plan.windowTo, plan.windowFrom, name);
    const preheader = plan.preheader?.trim() || this.renderer.defaultPreheader(plan.articles);
    const compiled = await this.renderer.compose({
      frequency: plan.frequency,
      heading: name,
      subject,
      preheader,
      date: plan.windowTo,
      articles: plan.articles,
      viewInBrowserUrl: null,
      editorNote: plan.editorNote,
    });
    return {
      plan,
      subject,
      preheader,
      email: {
        html: personalise(compiled.html, this.exampleLinks),
        text: personalise(compiled.text, this.exampleLinks),
      },
    };
  }

  /**
   * Sends the next edition to the given addresses only, marked as a test in the subject and a header, through
   * the transactional outbox. Waits a few seconds for the workers so the editor can be told "sent"; what has
   * not left by then is reported as queued (it still goes).
   */
  async sendTest(frequency: string, to: string[]): Promise<{ sent: number; queued: number; subject: string }> {
    const { email, subject } = await this.preview(frequency);
    const testSubject = this.locale.t('digest.testSubject', { subject });
    const rows = await this.outbox.enqueue(
      to.map((address) => ({
        kind: 'test-send',
        to: address,
        subject: testSubject,
        html: email.html,
        text: email.text,
        headers: { 'X-Nashra-Test': '1' },
      })),
    );
    this.outbox.wake();
    const statuses = await this.outbox.settled(
      rows.map((r) => r.id),
      TEST_SEND_WAIT_MS,
    );
    const sent = [...statuses.values()].filter((s) => s === 'sent').length;
    const queued = [...statuses.values()].filter((s) => s === 'queued' || s === 'sending').length;
    this.logger.log(`Test ${frequency} digest to ${to.length} address(es): ${sent} sent, ${queued} still queued`);
    return { sent, queued, subject: testSubject };
  }
}

export function articleRef(a: Article): {
  id: string;
  title: string;
  url: string;
  publishedAt: Date;
  topics: string[];
} {
  return { id: a.id, title: a.title, url: a.url, publishedAt: a.publishedAt, topics: a.topics };
}
