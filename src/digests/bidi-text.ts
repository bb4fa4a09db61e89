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
const WHITESPACE = /\s/u;
const DIGIT = /\p{Nd}/u;
const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>', '“': '”', '‘': '’' };
const CLOSERS = new Set(Object.values(PAIRS));
const OPENER_OF: Record<string, string> = Object.fromEntries(Object.entries(PAIRS).map(([o, c]) => [c, o]));

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
  for (const link of urlsAndEmails(text)) {
    const end = link.start + trimUrl(text.slice(link.start, link.end)).length;
    segmentRuns(text, from, link.start, runs);
    runs.push({ start: link.start, end });
    from = end;
  }
  segmentRuns(text, from, text.length, runs);
  return runs;
}

/*
 * URLs and e-mail addresses, found by plain loops in one pass. This is what the pattern
 * /https?:\/\/[^\s<>«»"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gu matched, but a backtracking engine tried the e-mail
 * branch from every position of a long word and read to its end each time: quadratic, 100,000 letters took
 * seconds and froze the process. Here every character is read a bounded number of times.
 */
export function urlsAndEmails(text: string): LatinRun[] {
  const found: LatinRun[] = [];
  let i = 0;
  while (i < text.length) {
    const url = urlEnd(text, i);
    if (url > 0) {
      found.push({ start: i, end: url });
      i = url;
      continue;
    }
    if (!isLocalPartChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    // Every e-mail starting inside this run of local-part characters would end its local part at `runEnd`.
    let runEnd = i;
    while (runEnd < text.length && isLocalPartChar(text.charCodeAt(runEnd))) {
      runEnd++;
    }
    const domain = text[runEnd] === '@' ? domainEnd(text, runEnd + 1) : -1;
    if (domain > 0) {
      found.push({ start: i, end: domain });
      i = domain;
      continue;
    }
    // No e-mail here, but a URL may start inside the run (`seehttp://…`).
    let next = runEnd;
    for (let k = i + 1; k < runEnd; k++) {
      const inner = urlEnd(text, k);
      if (inner > 0) {
        found.push({ start: k, end: inner });
        next = inner;
        break;
      }
    }
    i = next;
  }
  return found;
}

/** Where a URL starting at `i` ends (`http://` or `https://` and at least one more character), else -1. */
function urlEnd(text: string, i: number): number {
  if (text.charCodeAt(i) !== 0x68 /* h */) {
    return -1;
  }
  const from = text.startsWith('http://', i) ? i + 7 : text.startsWith('https://', i) ? i + 8 : -1;
  if (from < 0) {
    return -1;
  }
  let end = from;
  while (end < text.length && isUrlChar(text[end])) {
    end++;
  }
  return end > from ? end : -1;
}

/** Where an e-mail domain starting at `i` ends: a label and at least one `.label`, else -1. */
function domainEnd(text: string, i: number): number {
  let end = i;
  while (end < text.length && isLabelChar(text.charCodeAt(end))) {
    end++;
  }
  if (end === i) {
    return -1;
  }
  let labels = 0;
  while (text[end] === '.') {
    let next = end + 1;
    while (next < text.length && isLabelChar(text.charCodeAt(next))) {
      next++;
    }
    if (next === end + 1) {
      break;
    }
    end = next;
    labels++;
  }
  return labels > 0 ? end : -1;
}

function isWordChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f
  );
}

function isLocalPartChar(code: number): boolean {
  return isWordChar(code) || code === 0x2e || code === 0x2b || code === 0x2d;
}

function isLabelChar(code: number): boolean {
  return isWordChar(code) || code === 0x2d;
}

function isUrlChar(char: string): boolean {
  return !'<>«»"'.includes(char) && !WHITESPACE.test(char);
}

/** Appends to `runs` (a spread of a huge array into push() overflows the stack: `x»x»…` makes 500,000 runs). */
function segmentRuns(text: string, from: number, to: number, runs: LatinRun[]): void {
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
  // Closing brackets and quotes whose opening one is inside the run; counted once, then kept up to date, so a
  // run of a thousand closing brackets costs a thousand steps, not a million.
  const counts = new Map<string, number>();
  for (let i = start; i < end; i++) {
    counts.set(text[i], (counts.get(text[i]) ?? 0) + 1);
  }
  const count = (char: string) => counts.get(char) ?? 0;
  while (end < to && CLOSERS.has(text[end]) && count(OPENER_OF[text[end]]) > count(text[end])) {
    counts.set(text[end], count(text[end]) + 1);
    end++;
  }
  if (end < to && text[end] === '"' && count('"') % 2 === 1) {
    end++;
  }
  // A pair of brackets around the whole run belongs to it: `(Syria)` reads as one left-to-right unit.
  while (start > from && end < to && PAIRS[text[start - 1]] === text[end]) {
    start--;
    end++;
  }
  return { start, end };
}

const URL_TRAILING = ".,;:!?'’”";
const URL_TRAILING_BEFORE_PAREN = '.,;:!?';

/** A URL without the sentence's final punctuation, nor a closing bracket it did not open. Plain loops. */
function trimUrl(url: string): string {
  let end = url.length;
  while (end > 0 && URL_TRAILING.includes(url[end - 1])) {
    end--;
  }
  let opens = 0;
  let closes = 0;
  for (let i = 0; i < end; i++) {
    opens += url[i] === '(' ? 1 : 0;
    closes += url[i] === ')' ? 1 : 0;
  }
  while (end > 0 && url[end - 1] === ')' && opens < closes) {
    end--;
    closes--;
    while (end > 0 && URL_TRAILING_BEFORE_PAREN.includes(url[end - 1])) {
      end--;
    }
  }
  return url.slice(0, end);
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
