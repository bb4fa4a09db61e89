import { convert } from 'html-to-text';
import sanitizeHtml from 'sanitize-html';
import { stripHashtagMarkers } from './topics';

/**
 * Turning what feeds and CMSs send into what nashra stores: plain-text titles and summaries, an allow-list
 * sanitised body with absolute URLs. Pure functions; the digest templates trust their output.
 */

const LINK_SCHEMES = ['http:', 'https:', 'mailto:'];
const IMAGE_SCHEMES = ['http:', 'https:'];

/** An absolute http(s) (or, for links, mailto) URL, or null when the value cannot be one. */
export function absoluteUrl(value: string | undefined | null, base?: string, schemes = IMAGE_SCHEMES): string | null {
  const trimmed = value?.trim();
  if (!trimmed) {
    return null;
  }
  try {
    const url = base ? new URL(trimmed, base) : new URL(trimmed);
    return schemes.includes(url.protocol) ? url.toString() : null;
  } catch {
    return null;
  }
}

const IMAGE_PATH = /\.(jpe?g|png|gif|webp|avif)$/i;

/**
 * Whether a body image may become an article's picture: an http(s) URL whose path names an image file. A body's
 * `<img src=x onerror=…>` resolves to `https://site/…/x`, an http(s) URL like any other; only the path tells junk
 * (and tracking pixels, counters, spacer scripts) from a photo. Feeds that mark an image as one (media:content,
 * an image/* enclosure, JSON Feed's image) are trusted without this test.
 */
export function looksLikeImageUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return IMAGE_SCHEMES.includes(parsed.protocol) && IMAGE_PATH.test(decodeURIComponent(parsed.pathname));
  } catch {
    return false;
  }
}

/** The first image of a sanitised body that looks like a picture (see looksLikeImageUrl). */
export function firstBodyImage(bodyHtml: string | null): string | null {
  for (const match of (bodyHtml ?? '').matchAll(/<img src="([^"]+)"/g)) {
    const url = match[1].replace(/&amp;/g, '&');
    if (looksLikeImageUrl(url)) {
      return url;
    }
  }
  return null;
}

// Tags whose text is never content: dropped together with everything inside them.
const NON_TEXT_TAGS = ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'svg', 'math'];

/**
 * The article body as safe HTML: an allow-list of structural tags, no scripts, styles, event attributes or
 * iframes, links only to http(s)/mailto, images only from http(s), relative URLs resolved against `baseUrl`
 * (the article's own URL). WordPress lazy-loaded images (`data-src`) keep their real source.
 */
export function sanitizeBody(html: string, baseUrl: string): string {
  const cleaned = sanitizeHtml(html, {
    allowedTags: [
      'p',
      'a',
      'img',
      'h2',
      'h3',
      'h4',
      'ul',
      'ol',
      'li',
      'blockquote',
      'strong',
      'em',
      'figure',
      'figcaption',
      'br',
    ],
    allowedAttributes: { a: ['href', 'title'], img: ['src', 'alt', 'width', 'height'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    nonTextTags: NON_TEXT_TAGS,
    transformTags: {
      h1: 'h2',
      h5: 'h4',
      h6: 'h4',
      b: 'strong',
      i: 'em',
      a: (tagName, attribs) => {
        const href = absoluteUrl(attribs.href, baseUrl, LINK_SCHEMES);
        return { tagName, attribs: href ? { href, ...(attribs.title ? { title: attribs.title } : {}) } : {} };
      },
      img: (tagName, attribs) => {
        const lazy = attribs['data-src'] ?? attribs['data-lazy-src'];
        const raw = lazy && (!attribs.src || attribs.src.startsWith('data:')) ? lazy : attribs.src;
        const src = absoluteUrl(raw, baseUrl, IMAGE_SCHEMES);
        const kept: Record<string, string> = src ? { src, alt: attribs.alt ?? '' } : {};
        for (const size of ['width', 'height']) {
          if (src && /^\d{1,4}$/.test(attribs[size] ?? '')) {
            kept[size] = attribs[size];
          }
        }
        return { tagName, attribs: kept };
      },
    },
    // An image whose source was refused is worse than no image.
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  });
  // Paragraphs left empty by removed embeds only add blank space in an email.
  return cleaned
    .replace(/<p>(\s|&nbsp;|<br \/>)*<\/p>/g, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** HTML (or text that may hold entities) → one line of plain text: tags dropped, entities decoded. */
export function htmlToPlainText(html: string): string {
  const text = convert(html, {
    wordwrap: false,
    preserveNewlines: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'figcaption', format: 'skip' },
      ...NON_TEXT_TAGS.map((selector) => ({ selector, format: 'skip' })),
      ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
      { selector: 'ul', options: { itemPrefix: ' ' } },
    ],
  });
  return collapseWhitespace(text);
}

export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * A title as plain text. Feed titles are text (RSS, JSON Feed, Atom `type="text"`): kept literally, so
 * `<script>alert(1)</script>` stays those characters and templates show them escaped; only entities left
 * behind by double-escaping (`&amp;#8211;`, common in WordPress) are decoded. Atom `type="html"` titles are
 * HTML and turned into their text.
 */
export function plainTitle(title: string, isHtml = false): string {
  if (isHtml) {
    return htmlToPlainText(title);
  }
  return collapseWhitespace(decodeEntities(title));
}

function decodeEntities(text: string): string {
  if (!/&(#\d+|#x[\da-f]+|[a-z]+);/i.test(text)) {
    return text;
  }
  // html-to-text decodes entities; escaping `<` first keeps literal angle brackets as text.
  return convert(text.replace(/</g, '&lt;').replace(/>/g, '&gt;'), { wordwrap: false });
}

/** The text of the first paragraph of a body that says something, or of the whole body when it has none. */
export function firstParagraphText(html: string): string {
  for (const match of html.matchAll(/<p[\s>][\s\S]*?<\/p>/gi)) {
    const text = htmlToPlainText(match[0]);
    if (text.length > 0) {
      return text;
    }
  }
  return htmlToPlainText(html);
}

/**
 * A summary for the digest: the feed's description, else the body's first paragraph; plain text with hashtags
 * shown as words, WordPress's `[…]` removed, cut at a word boundary at most `maxLength` characters long
 * (ellipsis included), never mid-word.
 */
export function makeSummary(description: string | null | undefined, bodyHtml: string | null, maxLength: number) {
  let text = description ? htmlToPlainText(description) : '';
  // WordPress appends "The post … appeared first on …" to descriptions of some feeds.
  text = text.replace(/\s*The post .+ appeared first on .+$/s, '');
  text = text.replace(/\s*\[(…|\.\.\.|&hellip;)\]\s*$/u, '…');
  if (!text && bodyHtml) {
    text = firstParagraphText(bodyHtml);
  }
  return cutAtWordBoundary(collapseWhitespace(stripHashtagMarkers(text)), maxLength);
}

/**
 * Shortens text to at most `maxLength` characters (code points, ellipsis included) at a word boundary, with
 * `…`. A single word longer than the limit is kept whole rather than cut.
 */
export function cutAtWordBoundary(text: string, maxLength: number): string {
  const chars = Array.from(text);
  if (chars.length <= maxLength) {
    return text;
  }
  // The longest prefix that ends where a word ends (next character is a space) and leaves room for `…`.
  let end = maxLength - 1;
  while (end > 0 && !/\s/.test(chars[end])) {
    end -= 1;
  }
  let cut = end > 0 ? chars.slice(0, end).join('') : text.split(/\s/)[0];
  // Trailing punctuation before an ellipsis reads badly in Arabic as in English.
  cut = cut.replace(/[\s،,؛;:.\-–—«“"(]+$/u, '') || text.split(/\s/)[0];
  return `${cut}…`;
}
