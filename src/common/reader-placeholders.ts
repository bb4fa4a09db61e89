/**
 * Per-reader parts of a compiled email. Editions are compiled once with these markers in place of each
 * reader's links; the delivery worker substitutes them (cheap string replacement, never a recompile).
 * Plain ASCII with no characters that HTML, MJML, Handlebars or URL encoding would change.
 */
export const READER_PLACEHOLDERS = {
  unsubscribeUrl: 'NASHRA-UNSUBSCRIBE-URL-PLACEHOLDER',
  preferencesUrl: 'NASHRA-PREFERENCES-URL-PLACEHOLDER',
} as const;

/**
 * A tracked link of a compiled email: article link number `index` (1-based, the article's place in the
 * edition), or the open pixel. Each reader's delivery gets its own signed URL for it (see src/engagement/).
 */
export type TrackedLink = { kind: 'click'; index: number } | { kind: 'open' };

/** Most links one edition can track (an edition carries at most 100 articles). */
export const MAX_TRACKED_LINKS = 9999;

/** `NASHRA-CLICK-3-PLACEHOLDER`: article link 3, per reader. */
export function clickPlaceholder(index: number): string {
  if (!Number.isInteger(index) || index < 1 || index > MAX_TRACKED_LINKS) {
    throw new Error(`link index ${index} out of range`);
  }
  return `NASHRA-CLICK-${index}-PLACEHOLDER`;
}

export const OPEN_PIXEL_PLACEHOLDER = 'NASHRA-OPEN-PIXEL-PLACEHOLDER';

/** Matches any tracked placeholder (no capture groups, so it can sit inside a larger split pattern). */
export const TRACKED_PLACEHOLDER_SOURCE = 'NASHRA-(?:CLICK-[1-9]\\d{0,3}|OPEN-PIXEL)-PLACEHOLDER';

/** The tracked link a placeholder stands for, or null when it is not one. */
export function trackedLinkOf(placeholder: string): TrackedLink | null {
  if (placeholder === OPEN_PIXEL_PLACEHOLDER) {
    return { kind: 'open' };
  }
  const match = /^NASHRA-CLICK-([1-9]\d{0,3})-PLACEHOLDER$/.exec(placeholder);
  return match ? { kind: 'click', index: Number(match[1]) } : null;
}

export interface ReaderLinks {
  unsubscribeUrl: string;
  preferencesUrl: string;
  /** A tracked link's URL; without it tracked links become inert (`#`), as in previews of a stored render. */
  trackedUrl?: (link: TrackedLink) => string;
}

/** Fills one reader's links into compiled HTML or text. */
export function personalise(compiled: string, links: ReaderLinks): string {
  return compiled
    .replaceAll(READER_PLACEHOLDERS.unsubscribeUrl, links.unsubscribeUrl)
    .replaceAll(READER_PLACEHOLDERS.preferencesUrl, links.preferencesUrl)
    .replace(new RegExp(TRACKED_PLACEHOLDER_SOURCE, 'g'), (placeholder) => {
      const link = trackedLinkOf(placeholder)!;
      return links.trackedUrl ? links.trackedUrl(link) : '#';
    });
}
