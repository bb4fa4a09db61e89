// `<span dir="ltr">run</span>` as written by digests/bidi-text.ts (the run is escaped text, no tags).
const LTR_SPAN = /<span dir="ltr">([^<]*)<\/span>/g;

/**
 * Turns the left-to-right spans of rendered HTML into Unicode isolates (LRI U+2066 … PDI U+2069), so the
 * plain-text part of an email keeps the isolation its HTML part has. Spaces inside a run become no-break spaces:
 * the text part's hard wrap must not cut an isolated run in two (each half would lose its isolate and its order).
 */
export function ltrSpansToIsolates(html: string): string {
  return html.replace(LTR_SPAN, (_m, run: string) => `\u2066${run.replace(/ /g, '\u00a0')}\u2069`);
}
