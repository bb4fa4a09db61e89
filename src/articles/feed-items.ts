import type { AnyFeed, AtomFeed, JsonFeed, MediaNs, RdfFeed, RssFeed } from 'feedsmith';
import { parseFeed } from 'feedsmith';
import type { IncomingArticle } from './incoming-article';
import { errorMessage } from '../common/error-message';

/** A feed's items in one shape, whatever the format, plus the address item links are relative to. */
export interface FeedDocument {
  format: AnyFeed['format'];
  /** The site link of the feed, used to resolve relative item links. */
  siteUrl: string | null;
  items: IncomingArticle[];
}

export class FeedParseError extends Error {}

/** Parses RSS 2.0, Atom, RDF (RSS 1.0) or JSON Feed text with feedsmith. */
export function parseFeedDocument(text: string): FeedDocument {
  let parsed: AnyFeed;
  try {
    parsed = parseFeed(text);
  } catch (err) {
    throw new FeedParseError(`not a feed: ${errorMessage(err)}`);
  }
  switch (parsed.format) {
    case 'rss':
      return { format: 'rss', siteUrl: parsed.feed.link ?? null, items: (parsed.feed.items ?? []).map(fromRssItem) };
    case 'rdf':
      return { format: 'rdf', siteUrl: parsed.feed.link ?? null, items: (parsed.feed.items ?? []).map(fromRdfItem) };
    case 'atom':
      return {
        format: 'atom',
        siteUrl: alternateLink(parsed.feed.links) ?? null,
        items: (parsed.feed.entries ?? []).map(fromAtomEntry),
      };
    case 'json':
      return {
        format: 'json',
        siteUrl: parsed.feed.home_page_url ?? null,
        items: (parsed.feed.items ?? []).map(fromJsonItem),
      };
  }
}

function fromRssItem(item: RssFeed.Item<string>): IncomingArticle {
  // RSS 2.0: a guid is a permalink unless it says otherwise.
  const guidIsLink = item.guid?.value && item.guid.isPermaLink !== false && /^https?:\/\//i.test(item.guid.value);
  return {
    link: item.link ?? (guidIsLink ? item.guid!.value : null),
    guid: item.guid?.value ?? null,
    title: item.title ?? null,
    description: item.description ?? null,
    bodyHtml: item.content?.encoded ?? null,
    author: item.dc?.creators?.[0] ?? rssAuthorName(item.authors?.[0]),
    imageUrl:
      mediaImage(item.media) ??
      item.enclosures?.find((e) => e.type?.startsWith('image/'))?.url ??
      item.itunes?.image ??
      null,
    published: item.pubDate ?? item.dc?.dates?.[0] ?? null,
    updated: item.atom?.updated ?? item.dcterms?.modified?.[0] ?? null,
    categories: [...(item.categories ?? []).map((c) => c.name), ...(item.dc?.subjects ?? [])].filter(
      (c): c is string => !!c,
    ),
  };
}

function fromRdfItem(item: RdfFeed.Item<string>): IncomingArticle {
  return {
    link: item.link ?? null,
    guid: item.rdf?.about ?? null,
    title: item.title ?? null,
    description: item.description ?? null,
    bodyHtml: item.content?.encoded ?? null,
    author: item.dc?.creators?.[0] ?? null,
    imageUrl: mediaImage(item.media),
    published: item.dc?.dates?.[0] ?? null,
    updated: item.dcterms?.modified?.[0] ?? null,
    categories: item.dc?.subjects ?? [],
  };
}

function fromAtomEntry(entry: AtomFeed.Entry<string>): IncomingArticle {
  const isHtml = (type?: string) => type === 'html' || type === 'xhtml';
  return {
    link: alternateLink(entry.links) ?? null,
    guid: entry.id ?? null,
    title: entry.title?.value ?? null,
    titleIsHtml: isHtml(entry.title?.type),
    description: entry.summary ? textAsHtml(entry.summary.value, entry.summary.type) : null,
    bodyHtml: entry.content?.value ? textAsHtml(entry.content.value, entry.content.type) : null,
    author: entry.authors?.[0]?.name ?? entry.dc?.creators?.[0] ?? null,
    imageUrl:
      mediaImage(entry.media) ??
      entry.links?.find((l) => l.rel === 'enclosure' && l.type?.startsWith('image/'))?.href ??
      null,
    published: entry.published ?? entry.updated ?? null,
    updated: entry.updated ?? null,
    categories: (entry.categories ?? []).map((c) => c.label ?? c.term).filter((c): c is string => !!c),
  };
}

function fromJsonItem(item: JsonFeed.Item<string>): IncomingArticle {
  return {
    link: item.url ?? item.external_url ?? null,
    guid: item.id != null ? String(item.id) : null,
    title: item.title ?? null,
    description: item.summary ? escapeText(item.summary) : null,
    bodyHtml: item.content_html ?? (item.content_text ? textToParagraphs(item.content_text) : null),
    author: item.authors?.[0]?.name ?? null,
    imageUrl: item.image ?? item.banner_image ?? null,
    published: item.date_published ?? item.date_modified ?? null,
    updated: item.date_modified ?? null,
    categories: item.tags ?? [],
  };
}

function alternateLink(links: { href?: string; rel?: string }[] | undefined): string | undefined {
  return (links?.find((l) => !l.rel || l.rel === 'alternate') ?? links?.[0])?.href;
}

function mediaImage(media: MediaNs.ItemOrFeed | undefined): string | null {
  const contents = [...(media?.contents ?? []), ...(media?.groups ?? []).flatMap((g) => g.contents ?? [])];
  const image = contents.find(
    (c) => c.url && (c.medium === 'image' || c.type?.startsWith('image/') || (!c.medium && !c.type)),
  );
  return image?.url ?? media?.thumbnails?.[0]?.url ?? null;
}

function rssAuthorName(author: { name?: string; email?: string } | undefined): string | null {
  if (!author) {
    return null;
  }
  // RSS <author> is "email (Name)"; only the name is worth showing.
  const named = /\(([^)]+)\)/.exec(author.name ?? '');
  return named?.[1] ?? (author.name && !author.name.includes('@') ? author.name : null);
}

// Atom text constructs are text unless typed html/xhtml; text must not be read as markup.
function textAsHtml(value: string, type?: string): string {
  return type === 'html' || type === 'xhtml' ? value : textToParagraphs(value);
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function textToParagraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeText(p)}</p>`)
    .join('\n');
}
