import Handlebars from 'handlebars';

// A Latin run: starts with a Latin letter and goes on through Latin letters, digits, URL punctuation and
// single spaces between Latin words. Runs of digits alone stay in the Arabic flow (they read correctly there).
const LATIN_RUN = /[A-Za-z][A-Za-z0-9_.\-/:@&?=%+~#]*(?:[ ,]+[A-Za-z0-9][A-Za-z0-9_.\-/:@&?=%+~#]*)*/g;

/**
 * Plain text made safe for an RTL email: HTML-escaped, with every Latin run (names, acronyms, URLs) wrapped in
 * `<span dir="ltr">` so its punctuation stays on the right side of the run inside Arabic text.
 */
export function bidiHtml(text: string): Handlebars.SafeString {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(LATIN_RUN)) {
    const start = match.index;
    out += Handlebars.Utils.escapeExpression(text.slice(last, start));
    out += `<span dir="ltr">${Handlebars.Utils.escapeExpression(match[0])}</span>`;
    last = start + match[0].length;
  }
  out += Handlebars.Utils.escapeExpression(text.slice(last));
  return new Handlebars.SafeString(out);
}
