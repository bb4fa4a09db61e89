import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Article } from '../articles/article.entity';
import { Topic } from '../articles/topic.entity';
import { stripHashtagMarkers, topicName } from '../articles/topics';
import { Clock } from '../common/clock';
import { Locale } from '../common/locale';
import { READER_PLACEHOLDERS } from '../common/reader-placeholders';
import type { RenderedEmail } from '../common/template-renderer';
import { TemplateRenderer } from '../common/template-renderer';
import { AppConfig } from '../config/app-config';
import type { Frequency } from '../common/frequency';
import { NewslettersRepository } from '../subscribers/newsletters.repository';
import { bidiHtml } from './bidi-text';
import { frontPage } from './digest-view';
import { DateStyle, dateStyleOf, formatDay, formatRange, withDigits } from '../common/formatter';
import { Edition } from './edition.entity';
import { EditionRender } from './edition-render.entity';
import { DIRECT_LINKS_SUFFIX, type DirectLinks, segmentArticleIds, SegmentLinks } from './edition-segments';
import { chipTopics } from './topic-chips';
import { WeeklyReadership } from './weekly-readership';

/** What an email of the digest shows, saved or not (previews and test sends are never saved). */
export interface DigestContent {
  frequency: Frequency;
  subject: string;
  preheader: string;
  /** The moment the edition stands for; shown as an Arabic date. */
  date: Date;
  /** Articles in the order they appear. */
  articles: Article[];
  /** Public copy of the edition, when it has one. */
  viewInBrowserUrl: string | null;
  /** The story the editor pinned as lead (default: the first article). */
  leadArticleId?: string | null;
  /** A few words from the editor above the stories. */
  editorNote?: string | null;
  /** Each article's link in the email (default: its URL); tracked editions put a per-reader placeholder here. */
  linkFor?: (article: Article) => string;
  /** Readers who clicked the lead in the week's dailies, when it was the week's most-read (weekly editions). */
  leadReaders?: number | null;
  /** The heading beside the date; default the period's («النشرة اليومية»). A topic newsletter's is its name. */
  heading?: string;
}

const CACHE_LIMIT = 500;

/**
 * Compiles an edition (or one topic segment of it) to HTML and text exactly once, stores the result in
 * edition_renders so every worker process shares it, and returns the stored render on later calls.
 * Segment keys: `all` (every article of the edition) or the segment's article ids, ascending, joined by `,`
 * (edition-segments.ts, which also makes each segment's links).
 * The compiled output contains READER_PLACEHOLDERS (src/common/reader-placeholders.ts) for readers' links.
 */
@Injectable()
export class EditionRenderer {
  private readonly logger = new Logger(EditionRenderer.name);
  // Promises, not results: concurrent workers of one process asking for the same segment share one compile.
  private readonly cache = new Map<string, Promise<EditionRender>>();

  constructor(
    @InjectRepository(EditionRender) private readonly renders: Repository<EditionRender>,
    @InjectRepository(Edition) private readonly editions: Repository<Edition>,
    @InjectRepository(Article) private readonly articles: Repository<Article>,
    @InjectRepository(Topic) private readonly topics: Repository<Topic>,
    private readonly templates: TemplateRenderer,
    private readonly locale: Locale,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly segmentLinks: SegmentLinks,
    private readonly readership: WeeklyReadership,
    private readonly newsletters: NewslettersRepository,
  ) {}

  renderForSegment(editionId: string, segmentKey: string): Promise<EditionRender> {
    const cacheKey = `${editionId}:${segmentKey}`;
    let render = this.cache.get(cacheKey);
    if (!render) {
      if (this.cache.size >= CACHE_LIMIT) {
        this.cache.clear();
      }
      render = this.loadOrCompile(editionId, segmentKey);
      this.cache.set(cacheKey, render);
      // A failure (e.g. the database was briefly away) must not be remembered.
      render.catch(() => this.cache.delete(cacheKey));
    }
    return render;
  }

  /** Fills the digest template; the reader's links stay placeholders. */
  async compose(content: DigestContent): Promise<RenderedEmail> {
    const chips = chipTopics(content.articles);
    const names = await this.topicNames([...chips.values()].flat());
    const linked = content.linkFor
      ? content.articles.map((a): Article => ({ ...a, url: content.linkFor!(a) }))
      : content.articles;
    const { lead, others } = frontPage(linked, {
      leadArticleId: content.leadArticleId,
      dates: this.dateStyle,
      withDay: content.frequency === 'weekly',
      topicNames: (a) => (chips.get(a.id) ?? []).map((key) => names.get(key) ?? topicName(key)),
    });
    const mostRead = lead && content.leadReaders ? this.mostReadLine(content.leadReaders) : null;
    return this.templates.renderEmail('digest', {
      subject: content.subject,
      preheader: content.preheader,
      heading: content.heading ?? this.locale.t(`digest.heading.${content.frequency}`),
      date: this.formatDate(content.date),
      logoUrl: this.config.publication.logoUrl,
      postalAddress: this.config.publication.postalAddress,
      editorNote: content.editorNote?.trim() ? bidiHtml(content.editorNote.trim()) : null,
      viewInBrowserUrl: content.viewInBrowserUrl,
      unsubscribeUrl: READER_PLACEHOLDERS.unsubscribeUrl,
      preferencesUrl: READER_PLACEHOLDERS.preferencesUrl,
      lead: lead && mostRead ? { ...lead, mostRead } : lead,
      others,
    });
  }

  /** The «most read this week» line (`digest.mostRead`) and how many readers of the dailies clicked it, in the publication's DIGITS. */
  mostReadLine(readers: number): { label: string; phrase: string } {
    const form = new Intl.PluralRules('ar').select(readers);
    const key = form === 'zero' ? 'other' : form;
    return {
      label: this.locale.t('digest.mostRead.label'),
      phrase: withDigits(this.locale.t(`digest.mostRead.${key}`, { count: readers }), this.config.publication.digits),
    };
  }

  /** Weekday, day, month and year (formatDay) in TIMEZONE, in the publication's month names (MONTH_NAMES) and DIGITS. */
  formatDate(date: Date): string {
    return formatDay(date, this.dateStyle);
  }

  /**
   * Daily: the day; weekly (given the window's start): the week's range, `18 – 24 تشرين الثاني 2026`. A newsletter
   * other than the two standard digests gives its `name`: «الاقتصاد — 18 – 24 تشرين الثاني 2026».
   */
  defaultSubject(frequency: Frequency, date: Date, windowFrom?: Date, name?: string): string {
    const when =
      frequency === 'weekly' && windowFrom
        ? formatRange(windowFrom, new Date(date.getTime() - 1), this.dateStyle)
        : this.formatDate(date);
    if (name) {
      return this.locale.t('newsletters.subject', { name, date: when }).slice(0, 200);
    }
    return this.locale.t(`digest.subject.${frequency}`, { date: when });
  }

  private get dateStyle(): DateStyle {
    return dateStyleOf(this.config.publication);
  }

  /** The first titles, for the inbox preview line. */
  defaultPreheader(articles: Article[]): string {
    return articles
      .slice(0, 3)
      .map((a) => stripHashtagMarkers(a.title))
      .join(' · ')
      .slice(0, 200);
  }

  viewInBrowserUrl(editionId: string): string {
    return this.config.url(`/digests/${editionId}`);
  }

  /** The edition's articles in edition order (ids the articles table no longer has are left out). */
  async articlesInOrder(ids: string[]): Promise<Article[]> {
    if (ids.length === 0) {
      return [];
    }
    const rows = await this.articles.findBy({ id: In(ids) });
    const byId = new Map(rows.map((a) => [a.id, a]));
    return ids.map((id) => byId.get(id)).filter((a): a is Article => a !== undefined);
  }

  private async loadOrCompile(editionId: string, segmentKey: string): Promise<EditionRender> {
    const existing = await this.renders.findOneBy({ editionId, segmentKey });
    if (existing) {
      return existing;
    }
    const edition = await this.editions.findOneBy({ id: editionId });
    if (!edition) {
      throw new Error(`Edition ${editionId} does not exist`);
    }
    const articleIds = segmentArticleIds(edition, segmentKey);
    const articles = await this.articlesInOrder(articleIds);
    if (articles.length === 0) {
      throw new Error(`Segment ${segmentKey} of edition ${editionId} has no articles`);
    }
    const started = this.clock.now().getTime();
    const { subject, html, text, direct } = await this.composeEdition(edition, articles, segmentKey);
    this.logger.log(
      `Compiled edition ${editionId} segment ${segmentKey} (${articles.length} articles) in ${this.clock.now().getTime() - started} ms`,
    );

    // Another process may have compiled the same segment meanwhile: the unique key keeps one row, and
    // everyone uses that one.
    await this.renders
      .createQueryBuilder()
      .insert()
      .values({ editionId, segmentKey, articleIds: articles.map((a) => a.id), subject, html, text })
      .orIgnore()
      .execute();
    const stored = await this.renders.findOneByOrFail({ editionId, segmentKey });
    if (segmentKey === 'all' || segmentKey === `all${DIRECT_LINKS_SUFFIX}`) {
      // The web copy never carries anyone's tracked links: it gets the direct ones.
      await this.editions
        .createQueryBuilder()
        .update()
        .set({ html: direct(stored.html, 'html'), text: direct(stored.text, 'text') })
        .where('id = :id AND html IS NULL', { id: editionId })
        .execute();
    }
    return stored;
  }

  private async composeEdition(
    edition: Edition,
    articles: Article[],
    segmentKey: string,
  ): Promise<RenderedEmail & { subject: string; direct: DirectLinks }> {
    const preheader = edition.preheader || this.defaultPreheader(articles);
    const viewInBrowserUrl = this.viewInBrowserUrl(edition.id);
    const { linkFor, direct, withPixel } = await this.segmentLinks.forSegment(edition, articles, segmentKey);
    if (edition.kind === 'breaking' || edition.frequency === null) {
      const subject = edition.subject || this.breakingSubject(articles[0]);
      const email = await this.composeBreaking({ subject, preheader, article: articles[0], viewInBrowserUrl, linkFor });
      return { subject, direct, ...withPixel(email) };
    }
    const subject = edition.subject || this.defaultSubject(edition.frequency, edition.windowTo, edition.windowFrom);
    const newsletter = edition.newsletterId === null ? null : await this.newsletters.findById(edition.newsletterId);
    const email = await this.compose({
      frequency: edition.frequency,
      // The two standard digests keep their period's heading; any other newsletter is named.
      heading: newsletter && newsletter.slug !== edition.frequency ? newsletter.name : undefined,
      subject,
      preheader,
      date: edition.windowTo,
      articles,
      viewInBrowserUrl,
      editorNote: edition.editorNote,
      linkFor,
      leadReaders: edition.frequency === 'weekly' ? await this.weeklyLeadReaders(edition, articles) : null,
    });
    return { subject, direct, ...withPixel(email) };
  }

  /** Readers who clicked the lead in the week's dailies, when no other article of the edition was read more. */
  private async weeklyLeadReaders(edition: Edition, articles: Article[]): Promise<number | null> {
    const readers = await this.readership.readersByArticle(this.editions.manager, edition.windowFrom, edition.windowTo);
    const lead = readers.get(articles[0].id) ?? 0;
    return lead > 0 && articles.every((a) => (readers.get(a.id) ?? 0) <= lead) ? lead : null;
  }

  /** A breaking alert: one article, the `breaking.label` label, compiled from templates/breaking.mjml. */
  composeBreaking(content: {
    subject: string;
    preheader: string;
    article: Article;
    viewInBrowserUrl: string | null;
    linkFor?: (article: Article) => string;
  }): Promise<RenderedEmail> {
    const summary = stripHashtagMarkers(content.article.summary ?? '').trim();
    return this.templates.renderEmail('breaking', {
      subject: content.subject,
      preheader: content.preheader,
      date: this.formatDate(content.article.publishedAt),
      viewInBrowserUrl: content.viewInBrowserUrl,
      unsubscribeUrl: READER_PLACEHOLDERS.unsubscribeUrl,
      preferencesUrl: READER_PLACEHOLDERS.preferencesUrl,
      postalAddress: this.config.publication.postalAddress,
      article: {
        url: content.linkFor ? content.linkFor(content.article) : content.article.url,
        title: content.article.title,
        titleHtml: bidiHtml(content.article.title),
        summaryHtml: summary ? bidiHtml(summary) : null,
        imageUrl: content.article.imageUrl,
      },
    });
  }

  breakingSubject(article: Article): string {
    return this.locale.t('breaking.subject', { title: article.title }).slice(0, 200);
  }

  private async topicNames(keys: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) {
      return new Map();
    }
    const rows = await this.topics.findBy({ key: In(unique) });
    return new Map(rows.map((t) => [t.key, t.name]));
  }
}
