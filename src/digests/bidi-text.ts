import Handlebars from 'handlebars';

/** A left-to-right run of a string: `[start, end)` in UTF-16 units. */
export interface LatinRun {
  start: number;
  end: number;
}

// Strong left-to-right letters: any letter that is not of a right-to-left script.
const RTL_SCRIPTS = '\\p{scx=Arabic}\\p{scx=Hebrew}\\p{scx=Syriac}\\p{scx=Thaana}\\p{scx=Nko}';
const LTR_LETTER = new RegExp(`(?![${RTL_SCRIPTS}])[\\p{L}\\p{M}]`, 'u');
// Characters no Latin run goes through: right-to-left letters, Arabic punctuation (a list «Apple، Google» is two
// runs in Arabic order), Arabic quotes, line breaks.
const RUN_BREAK = new RegExp(`[${RTL_SCRIPTS}«»\\n\\r]`, 'u');
const RTL_LETTER = new RegExp(`(?=[${RTL_SCRIPTS}])\\p{L}`, 'u');
const URL_OR_EMAIL = /https?:\/\/[^\s<>«»"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gu;
const DIGIT = /\p{Nd}/u;
const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>', '“': '”', '‘': '’' };
const CLOSERS = new Set(Object.values(PAIRS));

/**
 * The left-to-right runs of a string of Arabic text. A run is the longest stretch that starts and ends with a
 * strong left-to-right character (digits glued to one, like `5G`, count) and holds only left-to-right letters,
 * digits, spaces and neutral punctuation in between; brackets and quotes join it when they pair inside it (`Net
 * (Syria)`), a leading `#`/`@` joins a hashtag or handle, trailing `+` joins `C++`. URLs and e-mail addresses are
 * one run each, without the sentence's final punctuation. Spaces, quotes and full stops around a run stay in the
 * Arabic sentence, so they take its direction and mirror.
 */
export function latinRuns(text: string): LatinRun[] {
  const runs: LatinRun[] = [];
  let from = 0;
  for (const match of text.matchAll(URL_OR_EMAIL)) {
    const url = trimUrl(match[0]);
    runs.push(...segmentRuns(text, from, match.index));
    runs.push({ start: match.index, end: match.index + url.length });
    from = match.index + url.length;
  }
  runs.push(...segmentRuns(text, from, text.length));
  return runs;
}

function segmentRuns(text: string, from: number, to: number): LatinRun[] {
  const runs: LatinRun[] = [];
  let segmentStart = from;
  for (let i = from; i <= to; i++) {
    if (i === to || RUN_BREAK.test(text[i])) {
      const run = coreRun(text, segmentStart, i);
      if (run) {
        runs.push(run);
      }
      segmentStart = i + 1;
    }
  }
  return runs;
}

/** The one run of a stretch without right-to-left letters, if it has any left-to-right letter. */
function coreRun(text: string, from: number, to: number): LatinRun | null {
  let start = -1;
  let end = -1;
  for (let i = from; i < to; i++) {
    if (LTR_LETTER.test(text[i])) {
      if (start < 0) {
        start = i;
      }
      end = i + 1;
    } else if (start >= 0 && DIGIT.test(text[i])) {
      end = i + 1;
    }
  }
  if (start < 0) {
    return null;
  }
  // Digits glued to the first letter (`5G`, `4K`) and a hashtag's or handle's sign belong to the run.
  while (start > from && DIGIT.test(text[start - 1])) {
    start--;
  }
  if (start > from && (text[start - 1] === '#' || text[start - 1] === '@')) {
    start--;
  }
  while (end < to && text[end] === '+') {
    end++;
  }
  // Closing brackets and quotes whose opening one is inside the run.
  while (end < to && CLOSERS.has(text[end]) && unclosed(text.slice(start, end), text[end])) {
    end++;
  }
  if (end < to && text[end] === '"' && (text.slice(start, end).split('"').length - 1) % 2 === 1) {
    end++;
  }
  // A pair of brackets around the whole run belongs to it: `(Syria)` reads as one left-to-right unit.
  while (start > from && end < to && PAIRS[text[start - 1]] === text[end]) {
    start--;
    end++;
  }
  return { start, end };
}

function unclosed(run: string, closer: string): boolean {
  const opener = Object.keys(PAIRS).find((o) => PAIRS[o] === closer) ?? '';
  return run.split(opener).length > run.split(closer).length;
}

function trimUrl(url: string): string {
  let out = url.replace(/[.,;:!?'’”]+$/u, '');
  while (out.endsWith(')') && out.split('(').length < out.split(')').length) {
    out = out.slice(0, -1).replace(/[.,;:!?]+$/u, '');
  }
  return out;
}

/**
 * Whether a run needs isolating. One word of letters between Arabic words is strong left-to-right from end to
 * end: the Unicode bidi algorithm places it right in every client, so it stays bare (less markup, nothing for a
 * client to strip). A space, digit or punctuation inside, or another run next to it across neutrals only, is
 * isolated: those are the characters that take the wrong direction.
 */
function needsIsolation(text: string, runs: LatinRun[], i: number): boolean {
  const run = text.slice(runs[i].start, runs[i].end);
  if (!/^[\p{L}\p{M}]+$/u.test(run)) {
    return true;
  }
  // Two runs with only neutrals between them (`Apple، Google`) would merge into one left-to-right stretch.
  const before = i > 0 ? text.slice(runs[i - 1].end, runs[i].start) : null;
  const after = i < runs.length - 1 ? text.slice(runs[i].end, runs[i + 1].start) : null;
  return [before, after].some((gap) => gap !== null && !RTL_LETTER.test(gap));
}

/**
 * Plain text made safe for an RTL email: HTML-escaped, with each left-to-right run that needs it wrapped ONCE in
 * `<span dir="ltr">`. `dir` is a global attribute Gmail, Outlook (Word engine) and Apple Mail keep; `<bdi>` is an
 * HTML5 element Outlook's Word engine does not know, so it would not isolate there. Chromium gives `[dir]` elements
 * `unicode-bidi: isolate`, the same as `<bdi>`.
 */
export function bidiHtml(text: string): Handlebars.SafeString {
  return new Handlebars.SafeString(
    wrapRuns(text, Handlebars.Utils.escapeExpression, (run) => `<span dir="ltr">${run}</span>`),
  );
}

/** The plain-text twin of bidiHtml: runs that need it between LEFT-TO-RIGHT ISOLATE and POP DIRECTIONAL ISOLATE. */
export function bidiPlain(text: string): string {
  return wrapRuns(
    text,
    (s) => s,
    (run) => `\u2066${run}\u2069`,
  );
}

function wrapRuns(text: string, escape: (s: string) => string, wrap: (run: string) => string): string {
  let out = '';
  let last = 0;
  const runs = latinRuns(text);
  for (const [i, run] of runs.entries()) {
    const value = escape(text.slice(run.start, run.end));
    out += escape(text.slice(last, run.start));
    out += needsIsolation(text, runs, i) ? wrap(value) : value;
    last = run.end;
  }
  return out + escape(text.slice(last));
}
