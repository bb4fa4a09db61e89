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

const MAX_HTML_DEPTH = 100;

const VOID_TAGS = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
]);

/**
 * How deep the tags of some HTML nest, by one pass over its characters (void and self-closed tags count nothing;
 * tags HTML closes implicitly, like a run of `<p>`, count as open: an over-estimate is safe here).
 */
export function nestingDepth(html: string): number {
  let depth = 0;
  let deepest = 0;
  let i = html.indexOf('<');
  while (i >= 0) {
    const close = html.indexOf('>', i + 1);
    if (close < 0) {
      break;
    }
    if (html[i + 1] === '/') {
      depth = Math.max(0, depth - 1);
    } else if (/[a-z]/i.test(html[i + 1] ?? '') && html[close - 1] !== '/') {
      let end = i + 1;
      while (end < close && /[a-z0-9]/i.test(html[end])) {
        end++;
      }
      if (!VOID_TAGS.has(html.slice(i + 1, end).toLowerCase())) {
        depth++;
        deepest = Math.max(deepest, depth);
      }
    }
    i = html.indexOf('<', close + 1);
  }
  return deepest;
}

/**
 * HTML nested deeper than any article is (100,000 `<b>`) kept as its text in one paragraph: sanitize-html and
 * html-to-text both slow down with the square of the depth (seconds at 80,000) or overflow the stack.
 */
function flattenIfTooDeep(html: string): string {
  if (nestingDepth(html) <= MAX_HTML_DEPTH) {
    return html;
  }
  let text = '';
  let from = 0;
  for (let open = html.indexOf('<'); open >= 0; open = html.indexOf('<', from)) {
    const close = html.indexOf('>', open + 1);
    text += html.slice(from, open);
    if (close < 0) {
      from = html.length;
      break;
    }
    text += ' ';
    from = close + 1;
  }
  return `<p>${text + html.slice(from)}</p>`;
}

// Tags whose text is never content: dropped together with everything inside them.
const NON_TEXT_TAGS = ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'svg', 'math'];

/**
 * The article body as safe HTML: an allow-list of structural tags, no scripts, styles, event attributes or
 * iframes, links only to http(s)/mailto, images only from http(s), relative URLs resolved against `baseUrl`
 * (the article's own URL). WordPress lazy-loaded images (`data-src`) keep their real source.
 */
export function sanitizeBody(html: string, baseUrl: string): string {
  const cleaned = sanitizeHtml(flattenIfTooDeep(html), {
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
  const text = convert(flattenIfTooDeep(html), {
    wordwrap: false,
    preserveNewlines: false,
    // Deeper nesting than any article has is junk; html-to-text walks it recursively and would overflow the stack.
    limits: { maxDepth: MAX_HTML_DEPTH, ellipsis: '' },
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
  return convert(text.replace(/</g, '&lt;').replace(/>/g, '&gt;'), {
    wordwrap: false,
    limits: { maxDepth: MAX_HTML_DEPTH, ellipsis: '' },
  });
}

/** The text of the first paragraph of a body that says something, or of the whole body when it has none. */
export function firstParagraphText(html: string): string {
  // indexOf rather than a lazy pattern: `<p[\s>][\s\S]*?<\/p>` read to the end from every unclosed `<p`.
  const lower = html.toLowerCase();
  let from = 0;
  for (;;) {
    const open = lower.indexOf('<p', from);
    if (open < 0) {
      break;
    }
    const next = lower[open + 2];
    if (next !== '>' && !/\s/.test(next ?? '')) {
      from = open + 2;
      continue;
    }
    const close = lower.indexOf('</p>', open + 3);
    if (close < 0) {
      break;
    }
    const text = htmlToPlainText(html.slice(open, close + 4));
    if (text.length > 0) {
      return text;
    }
    from = close + 4;
  }
  return htmlToPlainText(html);
}

const WORDPRESS_FOOTER_START = 'The post ';
const WORDPRESS_FOOTER_MIDDLE = ' appeared first on ';
const READ_MORE_MARKS = ['[…]', '[...]', '[&hellip;]'];

/**
 * Text without WordPress's "The post … appeared first on …" footer. What `/\s*The post .+ appeared first on
 * .+$/s` removed (from the first "The post " that a later " appeared first on " with text after it follows),
 * found with indexOf: the pattern tried every "The post " against the rest of the text, minutes on 1 MB.
 */
export function withoutWordPressFooter(text: string): string {
  const middle = text.lastIndexOf(WORDPRESS_FOOTER_MIDDLE, text.length - WORDPRESS_FOOTER_MIDDLE.length - 1);
  if (middle < 0) {
    return text;
  }
  const start = text.indexOf(WORDPRESS_FOOTER_START);
  if (start < 0 || start + WORDPRESS_FOOTER_START.length + 1 > middle) {
    return text;
  }
  return text.slice(0, start).trimEnd();
}

/** WordPress's trailing `[…]` (however written) as one `…`. */
function withReadMoreAsEllipsis(text: string): string {
  const trimmed = text.trimEnd();
  const mark = READ_MORE_MARKS.find((m) => trimmed.endsWith(m));
  return mark ? `${trimmed.slice(0, -mark.length).trimEnd()}…` : text;
}

/**
 * A summary for the digest: the feed's description, else the body's first paragraph; plain text with hashtags
 * shown as words, WordPress's `[…]` removed, cut at a word boundary at most `maxLength` characters long
 * (ellipsis included).
 */
export function makeSummary(description: string | null | undefined, bodyHtml: string | null, maxLength: number) {
  let text = description ? htmlToPlainText(description) : '';
  // WordPress appends "The post … appeared first on …" to descriptions of some feeds.
  text = withReadMoreAsEllipsis(withoutWordPressFooter(text));
  if (!text && bodyHtml) {
    text = firstParagraphText(bodyHtml);
  }
  return cutAtWordBoundary(collapseWhitespace(stripHashtagMarkers(text)), maxLength);
}

// Trailing punctuation before an ellipsis reads badly in Arabic as in English.
const BEFORE_ELLIPSIS = new Set(Array.from('،,؛;:.-–—«“"('));
const dropsBeforeEllipsis = (char: string) => BEFORE_ELLIPSIS.has(char) || /\s/u.test(char);

/**
 * Shortens text to at most `maxLength` characters (code points, ellipsis included) at a word boundary, with
 * `…`. A single word longer than the limit is cut inside the word: a field never outgrows its limit.
 */
export function cutAtWordBoundary(text: string, maxLength: number): string {
  if (text.length <= maxLength) {
    return text;
  }
  // Only the first maxLength + 1 code points matter; never spread a megabyte into an array.
  const chars: string[] = [];
  for (const char of text) {
    chars.push(char);
    if (chars.length > maxLength) {
      break;
    }
  }
  if (chars.length <= maxLength) {
    return text;
  }
  if (maxLength < 1) {
    return '';
  }
  // The longest prefix that ends where a word ends (next character is a space) and leaves room for `…`.
  let end = maxLength - 1;
  while (end > 0 && !/\s/u.test(chars[end])) {
    end -= 1;
  }
  if (end === 0) {
    // One word longer than the limit: cut inside it.
    end = maxLength - 1;
  }
  while (end > 0 && dropsBeforeEllipsis(chars[end - 1])) {
    end -= 1;
  }
  return `${chars.slice(0, end > 0 ? end : maxLength - 1).join('')}…`;
}
