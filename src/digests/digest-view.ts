import type Handlebars from 'handlebars';
import type { Article } from '../articles/article.entity';
import { stripHashtagMarkers } from '../articles/topics';
import { bidiHtml } from './bidi-text';
import { DateStyle, formatTime, formatWeekdayTime } from '../common/formatter';

/** One story as the digest template shows it. */
export interface StoryView {
  url: string;
  /** Plain title (image alt text). */
  title: string;
  titleHtml: Handlebars.SafeString;
  summaryHtml: Handlebars.SafeString | null;
  imageUrl: string | null;
  /** `author · 09:05`; null when there is nothing to show. */
  meta: Handlebars.SafeString | null;
  topics: Handlebars.SafeString[];
}

/** Compact stories show one line of summary: about what fits a phone's line and a half. */
export const COMPACT_SUMMARY_LENGTH = 110;

/**
 * The front page of an edition: the lead story (the editor's pin when it is in the edition, else the first
 * article) shown large, and the others compact. Titles and summaries lose their hashtag markers (`#Salah_al-Din`
 * reads `Salah al-Din`) and are bidi-isolated.
 */
export function frontPage(
  articles: Article[],
  options: {
    leadArticleId?: string | null;
    dates: DateStyle;
    topicNames: (article: Article) => string[];
    /** A weekly spans seven days: its articles show their day with the time (formatWeekdayTime). */
    withDay?: boolean;
  },
): { lead: StoryView | null; others: StoryView[] } {
  const leadIndex = Math.max(
    0,
    articles.findIndex((a) => a.id === options.leadArticleId),
  );
  const lead = articles[leadIndex];
  if (!lead) {
    return { lead: null, others: [] };
  }
  const view = (a: Article, compact: boolean): StoryView => {
    const title = stripHashtagMarkers(a.title).trim();
    const summary = stripHashtagMarkers(a.summary ?? '').trim();
    const when = options.withDay
      ? formatWeekdayTime(a.publishedAt, options.dates)
      : formatTime(a.publishedAt, options.dates);
    const meta = [a.author?.trim(), when].filter(Boolean).join(' · ');
    return {
      url: a.url,
      title,
      titleHtml: bidiHtml(title),
      summaryHtml: summary ? bidiHtml(compact ? oneLine(summary) : summary) : null,
      imageUrl: a.imageUrl,
      meta: meta ? bidiHtml(meta) : null,
      topics: options.topicNames(a).map((name) => bidiHtml(name)),
    };
  };
  return {
    lead: view(lead, false),
    others: articles.filter((_, i) => i !== leadIndex).map((a) => view(a, true)),
  };
}

/** The summary cut at a word boundary near COMPACT_SUMMARY_LENGTH, with an ellipsis when cut. */
export function oneLine(summary: string): string {
  const flat = summary.replace(/\s+/g, ' ');
  if (flat.length <= COMPACT_SUMMARY_LENGTH) {
    return flat;
  }
  const cut = flat.slice(0, COMPACT_SUMMARY_LENGTH);
  const space = cut.lastIndexOf(' ');
  return `${(space > COMPACT_SUMMARY_LENGTH / 2 ? cut.slice(0, space) : cut).replace(/[\s\u060C,.:;]+$/u, '')}…`;
}
