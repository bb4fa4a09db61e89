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
import { bidiHtml } from './bidi-text';
import { frontPage } from './digest-view';
import { DateStyle, formatDay, formatRange } from './edition-dates';
import { Edition } from './edition.entity';
import { EditionRender } from './edition-render.entity';
import { chipTopics } from './topic-chips';

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
}

const SEGMENT_KEY = /^(all|\d{1,19}(,\d{1,19})*)$/;
const CACHE_LIMIT = 500;

/**
 * Compiles an edition (or one topic segment of it) to HTML and text exactly once, stores the result in
 * edition_renders so every worker process shares it, and returns the stored render on later calls.
 * Segment keys: `all` (every article of the edition) or the segment's article ids, ascending, joined by `,`.
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
    const { lead, others } = frontPage(content.articles, {
      leadArticleId: content.leadArticleId,
      dates: this.dateStyle,
      topicNames: (a) => (chips.get(a.id) ?? []).map((key) => names.get(key) ?? topicName(key)),
    });
    return this.templates.renderEmail('digest', {
      subject: content.subject,
      preheader: content.preheader,
      heading: this.locale.t(`digest.heading.${content.frequency}`),
      date: this.formatDate(content.date),
      logoUrl: this.config.env.LOGO_URL,
      postalAddress: this.config.env.POSTAL_ADDRESS,
      editorNote: content.editorNote?.trim() ? bidiHtml(content.editorNote.trim()) : null,
      viewInBrowserUrl: content.viewInBrowserUrl,
      unsubscribeUrl: READER_PLACEHOLDERS.unsubscribeUrl,
      preferencesUrl: READER_PLACEHOLDERS.preferencesUrl,
      lead,
      others,
    });
  }

  /** `الأربعاء، 25 تشرين الثاني 2026` in TIMEZONE, in the publication's month names (MONTH_NAMES) and DIGITS. */
  formatDate(date: Date): string {
    return formatDay(date, this.dateStyle);
  }

  /** Daily: the day; weekly (given the window's start): the week's range, `18 – 24 تشرين الثاني 2026`. */
  defaultSubject(frequency: Frequency, date: Date, windowFrom?: Date): string {
    const when =
      frequency === 'weekly' && windowFrom
        ? formatRange(windowFrom, new Date(date.getTime() - 1), this.dateStyle)
        : this.formatDate(date);
    return this.locale.t(`digest.subject.${frequency}`, { date: when });
  }

  private get dateStyle(): DateStyle {
    const env = this.config.env;
    return { timeZone: env.TIMEZONE, months: env.MONTH_NAMES, digits: env.DIGITS };
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
    const articleIds = this.segmentArticleIds(edition, segmentKey);
    const articles = await this.articlesInOrder(articleIds);
    if (articles.length === 0) {
      throw new Error(`Segment ${segmentKey} of edition ${editionId} has no articles`);
    }
    const subject = edition.subject || this.defaultSubject(edition.frequency, edition.windowTo, edition.windowFrom);
    const started = this.clock.now().getTime();
    const { html, text } = await this.compose({
      frequency: edition.frequency,
      subject,
      preheader: edition.preheader || this.defaultPreheader(articles),
      date: edition.windowTo,
      articles,
      viewInBrowserUrl: this.viewInBrowserUrl(edition.id),
      editorNote: edition.editorNote,
    });
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
    if (segmentKey === 'all') {
      await this.editions
        .createQueryBuilder()
        .update()
        .set({ html: stored.html, text: stored.text })
        .where('id = :id AND html IS NULL', { id: editionId })
        .execute();
    }
    return stored;
  }

  private segmentArticleIds(edition: Edition, segmentKey: string): string[] {
    if (!SEGMENT_KEY.test(segmentKey)) {
      throw new Error(`Invalid segment key "${segmentKey}"`);
    }
    if (segmentKey === 'all') {
      return edition.articleIds;
    }
    // Readers get the articles in edition order whatever order the key lists them in.
    const wanted = segmentKey.split(',');
    const inEdition = new Set(edition.articleIds);
    const foreign = wanted.filter((id) => !inEdition.has(id));
    if (foreign.length > 0) {
      throw new Error(`Articles ${foreign.join(',')} are not in edition ${edition.id}`);
    }
    const chosen = new Set(wanted);
    return edition.articleIds.filter((id) => chosen.has(id));
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
