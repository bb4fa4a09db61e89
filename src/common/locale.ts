import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { IntlMessageFormat } from 'intl-messageformat';
import { AppConfig } from '../config/app-config';
import { TEMPLATES_DIR } from './templates-dir';

export type Strings = { [key: string]: string | string[] | Strings };

const loaded = new Map<string, Strings>();

/** templates/locales/<lang>.json, read once per process. */
export function localeStrings(lang = 'ar'): Strings {
  let strings = loaded.get(lang);
  if (!strings) {
    strings = JSON.parse(readFileSync(join(TEMPLATES_DIR, 'locales', `${lang}.json`), 'utf8')) as Strings;
    loaded.set(lang, strings);
  }
  return strings;
}

/** The value at a dotted key of the locale file (a string, a list such as month names, or a group). */
export function localeValue(key: string, lang = 'ar'): string | string[] | Strings | undefined {
  let node: string | string[] | Strings | undefined = localeStrings(lang);
  for (const part of key.split('.')) {
    node = typeof node === 'object' && !Array.isArray(node) ? node[part] : undefined;
  }
  return node;
}

/** A group of plain strings of the locale file as a record (labels of internal keys: statuses, menu entries). */
export function localeRecord(key: string, lang = 'ar'): Record<string, string> {
  const node = localeValue(key, lang);
  if (typeof node !== 'object' || Array.isArray(node)) {
    throw new Error(`Missing locale group ${lang}:${key}`);
  }
  return Object.fromEntries(Object.entries(node).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** A plain locale string with `{name}` placeholders filled (no ICU), for code outside Nest's injection. */
export function localeText(key: string, vars: Record<string, string | number> = {}, lang = 'ar'): string {
  const node = localeValue(key, lang);
  if (typeof node !== 'string') {
    throw new Error(`Missing locale string ${lang}:${key}`);
  }
  return node.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

// A message with an ICU argument of a kind (`{count, plural, …}`, `{kind, select, …}`) goes through
// intl-messageformat; a plain `{name}` message is filled by hand, so older strings need no ICU quoting.
const ICU_ARGUMENT = /\{\s*\w+\s*,\s*(?:plural|select|selectordinal)\s*,/;

/**
 * Every string people read, one JSON file per language under templates/locales/. `t('signup.success')` looks up
 * a dotted key; `{name}` placeholders are filled from vars, and `{publication}` is always available. Counts are
 * ICU plural messages with Arabic's six forms (zero, one, two, few, many, other: `Intl.PluralRules('ar')`), their
 * `#` written in the DIGITS the site uses.
 */
@Injectable()
export class Locale {
  private readonly compiled = new Map<string, IntlMessageFormat>();

  constructor(private readonly config: AppConfig) {}

  t(key: string, vars: Record<string, unknown> = {}, lang = 'ar'): string {
    const node = localeValue(key, lang);
    if (typeof node !== 'string') {
      throw new Error(`Missing locale string ${lang}:${key}`);
    }
    const all: Record<string, unknown> = { publication: this.config.publication.name, ...vars };
    if (ICU_ARGUMENT.test(node)) {
      return String(this.message(`${lang}:${key}`, node, lang).format(all as Record<string, string | number>));
    }
    return node.replace(/\{(\w+)\}/g, (m, name: string) => (name in all ? String(all[name]) : m));
  }

  /** Whether the locale file has a string at this key (for labels of internal keys that may be unknown). */
  has(key: string, lang = 'ar'): boolean {
    return typeof localeValue(key, lang) === 'string';
  }

  private message(id: string, source: string, lang: string): IntlMessageFormat {
    let message = this.compiled.get(id);
    if (!message) {
      const digits = this.config.publication.digits === 'arabic' ? 'arab' : 'latn';
      message = new IntlMessageFormat(source, `${lang}-u-nu-${digits}`, undefined, { ignoreTag: true });
      this.compiled.set(id, message);
    }
    return message;
  }
}
