import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TEMPLATES_DIR } from './templates-dir';

type Strings = { [key: string]: string | Strings };

/**
 * Reader-facing copy, one JSON file per language under templates/locales/. `t('signup.success')` looks up
 * a dotted key; `{name}` placeholders are filled from vars, and `{publication}` is always available.
 */
@Injectable()
export class Locale {
  private readonly strings = new Map<string, Strings>();

  constructor(private readonly config: AppConfig) {}

  t(key: string, vars: Record<string, string | number> = {}, lang = 'ar'): string {
    let node: string | Strings | undefined = this.load(lang);
    for (const part of key.split('.')) {
      node = typeof node === 'object' ? node[part] : undefined;
    }
    if (typeof node !== 'string') {
      throw new Error(`Missing locale string ${lang}:${key}`);
    }
    const all: Record<string, string | number> = { publication: this.config.env.PUBLICATION_NAME, ...vars };
    return node.replace(/\{(\w+)\}/g, (m, name: string) => (name in all ? String(all[name]) : m));
  }

  private load(lang: string): Strings {
    let strings = this.strings.get(lang);
    if (!strings) {
      strings = JSON.parse(readFileSync(join(TEMPLATES_DIR, 'locales', `${lang}.json`), 'utf8')) as Strings;
      this.strings.set(lang, strings);
    }
    return strings;
  }
}
