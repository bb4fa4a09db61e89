/**
 * Per-reader parts of a compiled email. Editions are compiled once with these markers in place of each
 * reader's links; the delivery worker substitutes them (cheap string replacement, never a recompile).
 * Plain ASCII with no characters that HTML, MJML, Handlebars or URL encoding would change.
 */
export const READER_PLACEHOLDERS = {
  unsubscribeUrl: 'NASHRA-UNSUBSCRIBE-URL-PLACEHOLDER',
  preferencesUrl: 'NASHRA-PREFERENCES-URL-PLACEHOLDER',
} as const;

export interface ReaderLinks {
  unsubscribeUrl: string;
  preferencesUrl: string;
}

/** Fills one reader's links into compiled HTML or text. */
export function personalise(compiled: string, links: ReaderLinks): string {
  return compiled
    .replaceAll(READER_PLACEHOLDERS.unsubscribeUrl, links.unsubscribeUrl)
    .replaceAll(READER_PLACEHOLDERS.preferencesUrl, links.preferencesUrl);
}
