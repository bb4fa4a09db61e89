import {
  absoluteUrl,
  firstBodyImage,
  collapseWhitespace,
  cutAtWordBoundary,
  htmlToPlainText,
  makeSummary,
  plainTitle,
  sanitizeBody,
} from './article-content';
import { collectTopics, TopicRef } from './topics';

/** An article as a feed item or a CMS push describes it, before any cleaning. */
export interface IncomingArticle {
  link?: string | null;
  guid?: string | null;
  title?: string | null;
  /** The title is HTML (Atom `type="html"`), not text. */
  titleIsHtml?: boolean;
  /** Feed description / excerpt (HTML or text). */
  description?: string | null;
  /** Full body HTML (content:encoded, Atom content, JSON content_html). */
  bodyHtml?: string | null;
  author?: string | null;
  imageUrl?: string | null;
  published?: string | Date | null;
  updated?: string | Date | null;
  categories?: string[];
}

/** What is stored: every field clean. */
export interface PreparedArticle {
  url: string;
  guid: string | null;
  title: string;
  summary: string;
  bodyHtml: string | null;
  author: string | null;
  imageUrl: string | null;
  publishedAt: Date;
  sourceUpdatedAt: Date | null;
  topics: TopicRef[];
}

export type PrepareResult = { article: PreparedArticle; notes: string[] } | { skipped: string };

export interface PrepareOptions {
  now: Date;
  summaryMaxLength: number;
  /** Resolves relative item links (the feed's URL). */
  baseUrl?: string;
}

const MAX_URL_LENGTH = 2048;
const MAX_TITLE_LENGTH = 300;
const MAX_AUTHOR_LENGTH = 200;
const MAX_CATEGORIES = 50;
/**
 * What is read of each raw field, feed item or push alike (the push API's request limits): a feed's 100,000-
 * character title is cut to 1,000 before it is cleaned, then to MAX_TITLE_LENGTH, so no step sees more.
 */
export const RAW_LIMITS = {
  title: 1000,
  description: 20_000,
  bodyHtml: 1_000_000,
  author: 500,
  category: 200,
} as const;
// WordPress's default category says nothing about an article.
const MEANINGLESS_CATEGORIES = new Set(['uncategorized', 'غير مصنف', 'غير_مصنف']);

/**
 * Cleans one incoming article. Skips (with the reason) what cannot become an article: no usable link, or no
 * title and no text. `notes` lists what was corrected (future or unparseable dates), for the logs.
 */
export function prepareArticle(raw: IncomingArticle, options: PrepareOptions): PrepareResult {
  const input: IncomingArticle = {
    ...raw,
    title: clip(raw.title, RAW_LIMITS.title),
    description: clip(raw.description, RAW_LIMITS.description),
    bodyHtml: clip(raw.bodyHtml, RAW_LIMITS.bodyHtml),
    author: clip(raw.author, RAW_LIMITS.author),
    categories: (raw.categories ?? []).slice(0, MAX_CATEGORIES).map((c) => clip(c, RAW_LIMITS.category) ?? ''),
  };
  // A URL is never shortened by parsing (only encoded longer): a long raw one is not parsed at all.
  if ((input.link?.trim().length ?? 0) > MAX_URL_LENGTH) {
    return { skipped: 'link too long' };
  }
  const url = absoluteUrl(input.link, options.baseUrl);
  if (!url) {
    return { skipped: input.link ? `link is not an http(s) URL` : 'no link' };
  }
  if (url.length > MAX_URL_LENGTH) {
    return { skipped: 'link too long' };
  }
  const notes: string[] = [];
  const bodyHtml = input.bodyHtml?.trim() ? sanitizeBody(input.bodyHtml, url) || null : null;
  const summary = makeSummary(input.description, bodyHtml, options.summaryMaxLength);
  let title = input.title ? plainTitle(input.title, input.titleIsHtml) : '';
  if (!title) {
    title = cutAtWordBoundary(summary || htmlToPlainText(bodyHtml ?? ''), 100);
  }
  if (!title) {
    return { skipped: 'no title and no text' };
  }

  const published = parseDate(input.published) ?? parseDate(input.updated);
  let publishedAt: Date;
  if (!published) {
    if (input.published) {
      notes.push('unparseable date, using now');
    }
    publishedAt = options.now;
  } else if (published > options.now) {
    notes.push('date in the future, using now');
    publishedAt = options.now;
  } else {
    publishedAt = published;
  }
  const updated = parseDate(input.updated);

  const text = [title, input.description ? htmlToPlainText(input.description) : '', htmlToPlainText(bodyHtml ?? '')];
  const categories = (input.categories ?? []).filter(
    (c) => !MEANINGLESS_CATEGORIES.has(collapseWhitespace(c).toLowerCase()),
  );
  const author = input.author ? cutAtWordBoundary(htmlToPlainText(input.author), MAX_AUTHOR_LENGTH) : '';
  const guid = input.guid?.trim();

  return {
    article: {
      url,
      guid: guid ? guid.slice(0, MAX_URL_LENGTH) : null,
      title: cutAtWordBoundary(title, MAX_TITLE_LENGTH),
      summary,
      bodyHtml,
      author: author || null,
      imageUrl:
        shortUrl(absoluteUrl(shortUrl(input.imageUrl?.trim() ?? null), url)) ?? shortUrl(firstBodyImage(bodyHtml)),
      publishedAt,
      sourceUpdatedAt: updated && updated <= options.now ? updated : null,
      topics: collectTopics(categories, text.join('\n')),
    },
    notes,
  };
}

/** The first `max` UTF-16 units of a string, never ending on half a surrogate pair. */
export function clip<T extends string | null | undefined>(value: T, max: number): T {
  if (typeof value !== 'string' || value.length <= max) {
    return value;
  }
  const code = value.charCodeAt(max - 1);
  return value.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max) as T;
}

/** A URL within the stored limit, else none (a 5 MB image URL from a feed is no picture). */
function shortUrl(url: string | null): string | null {
  return url && url.length <= MAX_URL_LENGTH ? url : null;
}

function parseDate(value: string | Date | null | undefined): Date | null {
  if (!value) {
    return null;
  }
  const date = value instanceof Date ? value : new Date(value.trim());
  return Number.isNaN(date.getTime()) ? null : date;
}
