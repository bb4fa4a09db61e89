import type { TestApp } from './test-app';

/**
 * A fingerprint of every table but the session store (and any named in `except`): equal before and after means
 * nothing changed.
 */
export async function fingerprint(t: TestApp, except: string[] = []): Promise<string> {
  const tables = (await t.dataSource.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> ALL($1) ORDER BY 1`,
    [['editor_sessions', ...except]],
  )) as { tablename: string }[];
  const parts: string[] = [];
  for (const { tablename } of tables) {
    const [row] = (await t.dataSource.query(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM "${tablename}" x`,
    )) as { n: number; h: string }[];
    parts.push(`${tablename}:${row.n}:${row.h}`);
  }
  return parts.join('\n');
}
