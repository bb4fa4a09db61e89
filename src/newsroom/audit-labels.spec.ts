import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = join(__dirname, '..');
const LOCALE = JSON.parse(readFileSync(join(SRC, '..', 'templates', 'locales', 'ar.json'), 'utf8')) as {
  newsroom: { labels: { audit: Record<string, Record<string, string>> } };
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

// Every action the audit log records, read from the code: `audit.record(editor, 'area.action', …)`, a newsroom
// action's `@NewsroomAction('area.action', …)`, and the `action: 'area.action'` an action's outcome may name.
const ACTION =
  /(?:\.record\(\s*[^,()]+,|@NewsroomAction\(|\baction: (?:[^'\n]*\?\s*)?)\s*'([a-z-]+)\.([a-z-]+)'(?:\s*:\s*'([a-z-]+)\.([a-z-]+)')?/g;

describe('the audit log speaks Arabic', () => {
  it('has an Arabic label for every action the code records', () => {
    const actions = new Set(
      sources(SRC).flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(ACTION)].flatMap((m) =>
          m[3] ? [`${m[1]}.${m[2]}`, `${m[3]}.${m[4]}`] : [`${m[1]}.${m[2]}`],
        ),
      ),
    );
    expect(actions.size).toBeGreaterThan(30);
    const labels = LOCALE.newsroom.labels.audit;
    const unlabelled = [...actions].filter((action) => {
      const [area, name] = action.split('.');
      return !labels[area]?.[name];
    });
    expect(unlabelled).toEqual([]);
  });
});
