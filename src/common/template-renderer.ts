import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { convert } from 'html-to-text';
import { AppConfig } from '../config/app-config';
import { Formatter } from './formatter';
import { Locale } from './locale';
import { ltrSpansToIsolates } from './ltr-isolates';
import { withRtlTablesAndCells } from './outlook-direction';
import { TEMPLATES_DIR } from './templates-dir';

export interface RenderedEmail {
  html: string;
  text: string;
}

/**
 * Turns the files in templates/ into HTML: Handlebars fills `*.mjml` emails (partials from
 * templates/partials, `{{t "key"}}` for locale strings, values escaped by default) and MJML compiles them at
 * `strict` validation; `*.hbs` pages are filled into templates/layouts/page.hbs. `mjmlCompilations` counts
 * MJML compilations so tests can prove an edition is compiled once, not once per reader.
 */
@Injectable()
export class TemplateRenderer {
  mjmlCompilations = 0;
  private readonly hbs = Handlebars.create();
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();
  // Set by digests/ (which owns the bidi scanner) at start-up; until then, escaped text alone.
  private isolate: (text: string) => Handlebars.SafeString = (text) =>
    new Handlebars.SafeString(Handlebars.Utils.escapeExpression(text));

  constructor(
    private readonly locale: Locale,
    private readonly config: AppConfig,
    private readonly format: Formatter,
  ) {
    // `{{t "newsroom.count.readers" count=n}}`: counts go through the locale file's ICU plural messages.
    this.hbs.registerHelper('t', (key: string, options: Handlebars.HelperOptions) =>
      this.locale.t(key, (options?.hash ?? {}) as Record<string, unknown>),
    );
    // `{{bidi title}}`: every title, summary, author, topic or address shown in a page or an email, its Latin runs
    // isolated the way the digest isolates them (a test fails on a bare `{{title}}` in any template).
    this.hbs.registerHelper('bidi', (value: unknown) =>
      value === null || value === undefined
        ? ''
        : value instanceof Handlebars.SafeString
          ? value // already isolated markup (the digest's titleHtml, editorNote)
          : this.isolate(String(value)),
    );
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    // `{{t (concat "newsroom.firstRun.steps." key)}}`: a locale key built from a value.
    this.hbs.registerHelper('concat', (...parts: unknown[]) => parts.slice(0, -1).map(String).join(''));
    // For <script type="application/json">: a `<` in the data (an article title) must not close the script.
    this.hbs.registerHelper(
      'json',
      (value: unknown) => new Handlebars.SafeString(JSON.stringify(value).replace(/</g, '\\u003c')),
    );
    // Dates, times and numbers as the site writes them (TIMEZONE, MONTH_NAMES, DIGITS): one formatter for all.
    this.hbs.registerHelper('datetime', (value: unknown) => this.format.dateTime(value));
    this.hbs.registerHelper('dateText', (value: unknown) => this.format.date(value));
    this.hbs.registerHelper('dayText', (value: unknown) => this.format.day(value));
    this.hbs.registerHelper('timeAgo', (value: unknown) => this.format.relative(value));
    this.hbs.registerHelper('number', (value: unknown) =>
      typeof value === 'number' ? this.format.number(value) : value,
    );
    for (const dir of ['partials', 'layouts', 'newsroom']) {
      for (const file of readdirSync(join(TEMPLATES_DIR, dir))) {
        if (/\.(mjml|hbs)$/.test(file)) {
          this.hbs.registerPartial(basename(file).replace(/\.(mjml|hbs)$/, ''), read(join(dir, file)));
        }
      }
    }
  }

  /** The one isolation of mixed Arabic–Latin text behind `{{bidi …}}` (digests/text-isolation.ts sets it). */
  useTextIsolation(isolate: (text: string) => Handlebars.SafeString): void {
    this.isolate = isolate;
  }

  /** A locale string (ICU plural messages included), for text a controller writes: flashes, labels. */
  t(key: string, vars: Record<string, unknown> = {}): string {
    return this.locale.t(key, vars);
  }

  /** Whether the locale file has a string at this key. */
  has(key: string): boolean {
    return this.locale.has(key);
  }

  /** Fills `templates/<name>.mjml` and compiles it; throws if MJML validation finds any error. */
  async renderEmail(name: string, context: Record<string, unknown>): Promise<RenderedEmail> {
    const mjml = this.fill(`${name}.mjml`, context);
    const html = await this.compileMjml(mjml);
    return { html, text: this.toText(html) };
  }

  async compileMjml(mjml: string): Promise<string> {
    this.mjmlCompilations++;
    const mjml2html = require('mjml') as (
      input: string,
      options: object,
    ) => Promise<{ html: string; errors: unknown[] }>;
    const result = await mjml2html(mjml, { validationLevel: 'strict', keepComments: false });
    return /^\s*<mjml[^>]*\sdir="rtl"/.test(mjml) ? withRtlTablesAndCells(result.html) : result.html;
  }

  /** A reader-facing HTML page: templates/pages/<name>.hbs inside the page layout. */
  renderPage(name: string, context: Record<string, unknown>): string {
    const body = this.fill(join('pages', `${name}.hbs`), context);
    return this.fill(join('layouts', 'page.hbs'), { ...context, body: new Handlebars.SafeString(body) });
  }

  /** `templates/<file>` inside `templates/layouts/<layout>.hbs` (the newsroom's pages use layout `newsroom`). */
  renderInLayout(layout: string, file: string, context: Record<string, unknown>): string {
    const body = this.fill(file, context);
    return this.fill(join('layouts', `${layout}.hbs`), { ...context, body: new Handlebars.SafeString(body) });
  }

  /** `templates/<file>` alone, no layout (htmx fragments). */
  renderFragment(file: string, context: Record<string, unknown>): string {
    return this.fill(file, context);
  }

  toText(html: string): string {
    // The text part opens with the content, not MJML's hidden preheader, and a linked picture leaves no bare URL.
    const visible = html
      .replace(/<div style="display:none;font-size:1px;[^"]*">[\s\S]*?<\/div>/, '')
      .replace(/<a\b[^>]*>\s*<img\b[^>]*>\s*<\/a>/g, '');
    return convert(ltrSpansToIsolates(visible), {
      wordwrap: 78,
      selectors: [
        { selector: 'img', format: 'skip' },
        { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      ],
    });
  }

  private fill(file: string, context: Record<string, unknown>): string {
    let template = this.cache.get(file);
    if (!template) {
      // Handlebars is non-strict by default: a missing optional value renders empty.
      template = this.hbs.compile(read(file));
      this.cache.set(file, template);
    }
    return template({
      publication: this.config.publication.name,
      siteUrl: this.config.publication.siteUrl,
      ...context,
    });
  }
}

function read(file: string): string {
  return readFileSync(join(TEMPLATES_DIR, file), 'utf8');
}
