import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TEMPLATES_DIR } from './templates-dir';

// Values that come from outside (a title, a summary, an author, a topic's name, an address) and may mix Arabic with
// Latin runs: shown as text, each must go through `{{bidi …}}` so it reads the same on every screen and in the email.
const OUTSIDE_TEXT =
  /\{\{\s*((?:[\w@]+[./])*(?:title|summary|author|email|lead|subject|topics|name|editorNote|address|to))\s*\}\}/g;
// Where markup cannot go (an attribute, the document's title, a form field's text), plain escaping is the only way.
const TEXT_ONLY_ELEMENTS = ['title', 'mj-title', 'mj-preview', 'option', 'textarea'];

function templates(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? templates(join(dir, entry.name))
      : /\.(hbs|mjml)$/.test(entry.name)
        ? [join(dir, entry.name)]
        : [],
  );
}

/** `{{title}}`-like values printed as text without the isolation helper, as `file:line {{…}}`. */
export function bareOutsideText(file: string, source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(OUTSIDE_TEXT)) {
    const before = source.slice(0, match.index);
    const insideTag = before.lastIndexOf('<') > before.lastIndexOf('>');
    const textOnly = TEXT_ONLY_ELEMENTS.some(
      (name) => before.lastIndexOf(`<${name}`) > before.lastIndexOf(`</${name}>`),
    );
    if (!insideTag && !textOnly) {
      found.push(`${relative(TEMPLATES_DIR, file)}:${before.split('\n').length} ${match[0]}`);
    }
  }
  return found;
}

describe('every title, summary, author, topic and address shown goes through {{bidi}}', () => {
  it('finds no bare value in any template (newsroom, reader pages, emails)', () => {
    const bare = templates(TEMPLATES_DIR).flatMap((file) => bareOutsideText(file, readFileSync(file, 'utf8')));
    expect(bare).toEqual([]);
  });

  it('would catch a bare {{title}}, and leaves attributes and the document title alone', () => {
    expect(bareOutsideText('x.hbs', '<li><a href="{{url}}">{{title}}</a> {{author}}</li>')).toHaveLength(2);
    expect(bareOutsideText('x.hbs', '<a aria-label="{{title}}">{{bidi title}}</a>')).toEqual([]);
    expect(bareOutsideText('x.hbs', '<title>{{title}} · {{publication}}</title>')).toEqual([]);
  });
});
