import { Injectable } from '@nestjs/common';
import type { Article } from '../articles/article.entity';
import type { RenderedEmail } from '../common/template-renderer';
import {
  clickPlaceholder,
  OPEN_PIXEL_PLACEHOLDER,
  TRACKED_PLACEHOLDER_SOURCE,
  trackedLinkOf,
} from '../common/reader-placeholders';
import { AppConfig } from '../config/app-config';
import { EditionLinks } from '../engagement/edition-links.repository';
import { type UtmTags, withUtm } from '../engagement/utm-tags';
import type { Edition } from './edition.entity';

// A segment of an edition is what one group of readers gets: its key names the articles (`all`, or their ids,
// ascending, joined by `,`) and, with DIRECT_LINKS_SUFFIX, asks for direct links instead of tracked ones.

/** Suffix of the segment keys of readers who opted out of click tracking: their copy has direct links. */
export const DIRECT_LINKS_SUFFIX = '-direct';
const SEGMENT_KEY = /^(all|\d{1,19}(,\d{1,19})*)(-direct)?$/;
// The open pixel, last in the body; previews and the web copy drop it.
const OPEN_PIXEL_HTML = `<img src="${OPEN_PIXEL_PLACEHOLDER}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;" />`;
/** A tracked compile's untracked twin: click placeholders become the direct URLs, the pixel goes. */
export type DirectLinks = (compiled: string, part: 'html' | 'text') => string;

interface SegmentLinkRules {
  linkFor: (a: Article) => string;
  direct: DirectLinks;
  /** Adds the open pixel to a tracked compile when OPEN_TRACKING is on. */
  withPixel: (email: RenderedEmail) => RenderedEmail;
}

/** The ids of a segment's articles, in edition order; throws on a malformed key or an article not in the edition. */
export function segmentArticleIds(edition: Edition, segmentKey: string): string[] {
  if (!SEGMENT_KEY.test(segmentKey)) {
    throw new Error(`Invalid segment key "${segmentKey}"`);
  }
  const articlesKey = segmentKey.endsWith(DIRECT_LINKS_SUFFIX)
    ? segmentKey.slice(0, -DIRECT_LINKS_SUFFIX.length)
    : segmentKey;
  if (articlesKey === 'all') {
    return edition.articleIds;
  }
  // Readers get the articles in edition order whatever order the key lists them in.
  const wanted = articlesKey.split(',');
  const inEdition = new Set(edition.articleIds);
  const foreign = wanted.filter((id) => !inEdition.has(id));
  if (foreign.length > 0) {
    throw new Error(`Articles ${foreign.join(',')} are not in edition ${edition.id}`);
  }
  const chosen = new Set(wanted);
  return edition.articleIds.filter((id) => chosen.has(id));
}

/** How the links of a segment's compile look: tracked per reader (with the open pixel) or direct, UTM-tagged. */
@Injectable()
export class SegmentLinks {
  constructor(
    private readonly config: AppConfig,
    private readonly links: EditionLinks,
  ) {}

  /**
   * Each article's link in this segment: a per-reader click placeholder (the link registered with its stored,
   * UTM-tagged target) when the segment is tracked, else the article URL with UTM tags. `direct` turns a
   * tracked compile into its untracked twin (for the web copy).
   */
  async forSegment(edition: Edition, articles: Article[], segmentKey: string): Promise<SegmentLinkRules> {
    const { utmSource, clickTracking } = this.config.engagement;
    const utm: UtmTags | null = utmSource === null ? null : { source: utmSource, campaign: this.editionKey(edition) };
    const directUrl = (a: Article) => withUtm(a.url, utm);
    const tracked = clickTracking && !segmentKey.endsWith(DIRECT_LINKS_SUFFIX);
    if (!tracked) {
      return { linkFor: directUrl, direct: (compiled) => compiled, withPixel: (email) => email };
    }
    const indexOf = new Map(edition.articleIds.map((id, i) => [id, i + 1]));
    await this.links.register(
      edition.id,
      articles.map((a) => ({ index: indexOf.get(a.id)!, articleId: a.id, topics: a.topics, targetUrl: directUrl(a) })),
    );
    const byIndex = new Map(articles.map((a) => [indexOf.get(a.id)!, directUrl(a)]));
    const direct: DirectLinks = (compiled, part) =>
      compiled.replace(OPEN_PIXEL_HTML, '').replace(new RegExp(TRACKED_PLACEHOLDER_SOURCE, 'g'), (placeholder) => {
        const link = trackedLinkOf(placeholder);
        const url = link?.kind === 'click' ? (byIndex.get(link.index) ?? '#') : '';
        return part === 'html' ? url.replace(/&/g, '&amp;') : url;
      });
    const withPixel = (email: RenderedEmail): RenderedEmail =>
      this.config.engagement.openTracking
        ? { ...email, html: email.html.replace(/<\/body>/i, `${OPEN_PIXEL_HTML}</body>`) }
        : email;
    return { linkFor: (a) => clickPlaceholder(indexOf.get(a.id)!), direct, withPixel };
  }

  /** utm_campaign: the edition's key made URL-plain: `daily-2026-11-25`, `weekly-2026-W48`, `breaking-42`. */
  private editionKey(edition: Edition): string {
    return edition.key.replace(/[^A-Za-z0-9_-]+/g, '-');
  }
}
