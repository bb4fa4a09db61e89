/**
 * Topics: hashtags in article text and feed categories, reduced to one normalised key so that the same topic
 * written two ways (`#صلاحُ_الدين`, `#صلاح_الدين`, `#صلاح_ـالدين`) is one topic. Keys are for matching only;
 * readers always see a display name.
 *
 * Normalisation (see README `## Articles`):
 * - tashkeel (U+064B–U+065F), superscript alef (U+0670) and tatweel (U+0640) removed;
 * - alef forms أ إ آ ٱ → ا;
 * - alef maqsura ى → ي, and the Persian/Kurdish yeh ی and keheh ک → ي ك: writers (and keyboards) use these
 *   interchangeably at the end of a word, so `#ديالى` and `#ديالي` must be one topic. The display name is
 *   chosen among the spellings seen (topic-spellings.ts). ة and ه are NOT unified: they distinguish real words;
 * - Arabic-Indic digits → ASCII digits; Latin lowercased;
 * - whitespace and other separators → `_` (one, never leading or trailing).
 */

const WORD_CHAR = String.raw`[\p{L}\p{M}\p{N}_]`;

// A `#` starts a hashtag only when it does not continue a word, a URL (`https://x/#a`, `page#a`) or an HTML
// entity (`&#1234;`), and the tag holds at least one letter (`#1` is a number, not a topic).
const HASHTAG = new RegExp(String.raw`(?<![\p{L}\p{M}\p{N}_/&#=?.-])#(${WORD_CHAR}*\p{L}${WORD_CHAR}*)`, 'gu');

/** Longest topic (the push API's limit for a category). */
export const MAX_TOPIC_LENGTH = 200;

const TASHKEEL_AND_TATWEEL = /[\u064B-\u065F\u0670\u0640]/g;
const ALEF_FORMS = /[\u0623\u0625\u0622\u0671]/g;
const INVISIBLE = /[\u200B-\u200F\u061C\u2066-\u2069\uFEFF]/g;

/** Every hashtag in the text (without `#`, as written), in order of first appearance, once each by key. */
export function extractHashtags(text: string): string[] {
  const seen = new Set<string>();
  const tags: string[] = [];
  // Most bodies have no `#`: a megabyte body then costs one indexOf, not a pass of the Unicode pattern.
  if (!text.includes('#')) {
    return tags;
  }
  for (const match of text.matchAll(HASHTAG)) {
    const tag = trimUnderscores(match[1]);
    const key = topicKey(tag);
    if (key && !seen.has(key)) {
      seen.add(key);
      tags.push(tag);
    }
  }
  return tags;
}

/** The normalised key of a hashtag or category: `#صلاحُ الدين` → `صلاح_الدين`. Empty when nothing is left. */
export function topicKey(raw: string): string {
  const key = raw
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(/^#+/, '')
    .replace(TASHKEEL_AND_TATWEEL, '')
    .replace(ALEF_FORMS, '\u0627')
    .replace(/[\u0649\u06CC]/g, '\u064A')
    .replace(/\u06A9/g, '\u0643')
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '_');
  return trimUnderscores(key);
}

// `/_+$/` alone would try every underscore of a long run against the end of the text: quadratic. A loop.
function trimUnderscores(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text[start] === '_') {
    start++;
  }
  while (end > start && text[end - 1] === '_') {
    end--;
  }
  return text.slice(start, end);
}

/** How a topic key (or a hashtag as written) is shown: underscores become spaces. */
export function topicName(key: string): string {
  return key.replace(/^#+/, '').replace(/_+/g, ' ').trim();
}

/** Shows hashtags as words for summaries: `#صلاح_الدين` → `صلاح الدين`. */
export function stripHashtagMarkers(text: string): string {
  return text.replace(HASHTAG, (_match, tag: string) => topicName(tag));
}

/** A topic as stored: key plus display name. */
export interface TopicRef {
  key: string;
  name: string;
}

/**
 * The topics of an article: its feed categories first (editors chose them), then hashtags in the text; one per
 * key, display name from the first spelling seen.
 */
export function collectTopics(categories: readonly string[], text: string): TopicRef[] {
  const byKey = new Map<string, TopicRef>();
  const add = (raw: string) => {
    // A "hashtag" longer than any category is a long word, not a topic.
    if (raw.length > MAX_TOPIC_LENGTH) {
      return;
    }
    const key = topicKey(raw);
    const name = topicName(raw.normalize('NFC').replace(INVISIBLE, '').replace(/\s+/g, ' '));
    if (key && name && !byKey.has(key)) {
      byKey.set(key, { key, name });
    }
  };
  categories.forEach(add);
  extractHashtags(text).forEach(add);
  return [...byKey.values()];
}
