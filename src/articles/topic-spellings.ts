import type { EntityManager } from 'typeorm';
import type { TopicRef } from './topics';

const TASHKEEL_AND_TATWEEL = /[\u064B-\u065F\u0670\u0640]/g;
const HAMZA_FORMS = /[\u0621-\u0626]/g;

/** A spelling as a reader should see it: no tatweel (`ســوريا`), no tashkeel, single spaces. */
export function cleanSpelling(name: string): string {
  return name.normalize('NFC').replace(TASHKEEL_AND_TATWEEL, '').replace(/\s+/g, ' ').trim();
}

/**
 * The display name among a topic's spellings: the one written with hamza forms (`إيران` over `ايران`, since
 * writers often skip the hamza but never add a wrong one), then the most frequent, then the first seen.
 */
export function preferredSpelling(spellings: Record<string, number>): string | null {
  let best: { name: string; hamzas: number; count: number } | null = null;
  for (const [name, count] of Object.entries(spellings)) {
    const hamzas = (name.match(HAMZA_FORMS) ?? []).length;
    if (!best || hamzas > best.hamzas || (hamzas === best.hamzas && count > best.count)) {
      best = { name, hamzas, count };
    }
  }
  return best?.name ?? null;
}

/**
 * Counts the spellings a newly stored article used and updates each topic's display name when a better
 * spelling now leads. Runs in the article's transaction, after its row is inserted (an edit does not count twice).
 */
export async function recordSpellings(manager: EntityManager, topics: TopicRef[]): Promise<void> {
  if (topics.length === 0) {
    return;
  }
  // TypeORM answers an UPDATE … RETURNING with [rows, affected count].
  const [rows]: [{ key: string; name: string; spellings: Record<string, number> }[], number] = await manager.query(
    `UPDATE topics t
        SET spellings = t.spellings || jsonb_build_object(v.name, COALESCE((t.spellings ->> v.name)::int, 0) + 1)
       FROM unnest($1::text[], $2::text[]) AS v(key, name)
      WHERE t.key = v.key
      RETURNING t.key, t.name, t.spellings`,
    [topics.map((t) => t.key), topics.map((t) => cleanSpelling(t.name))],
  );
  const renamed = rows
    .map((r) => ({ key: r.key, name: preferredSpelling(r.spellings) }))
    .filter((r, i): r is { key: string; name: string } => r.name !== null && r.name !== rows[i].name);
  if (renamed.length > 0) {
    await manager.query(
      `UPDATE topics t SET name = v.name FROM unnest($1::text[], $2::text[]) AS v(key, name) WHERE t.key = v.key`,
      [renamed.map((r) => r.key), renamed.map((r) => r.name)],
    );
  }
}
