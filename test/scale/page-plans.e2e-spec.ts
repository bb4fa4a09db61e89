import { Client } from 'pg';
import request from 'supertest';
import { seedStatements } from '../../bench/newsroom-seed';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

const READERS = 50_000;
/** The tables that grow with the readers: no page may read any of them from end to end. */
const BIG_TABLES = new Set(['deliveries', 'subscribers', 'subscriptions']);
const NOT_PLANNABLE = /^\s*(BEGIN|COMMIT|ROLLBACK|START|SET|SHOW|SAVEPOINT|RELEASE|LOCK|DEALLOCATE|DISCARD|EXPLAIN)\b/i;

interface Captured {
  text: string;
  values: unknown[];
  page: string;
}
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** Every statement any pg client of this process sends while `page` is set (the app's pool, sessions' store). */
function captureQueries(): { start(page: string): void; stop(): Captured[] } {
  const captured: Captured[] = [];
  let page: string | null = null;
  const original = Client.prototype.query;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    if (page) {
      const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown];
      const text = typeof config === 'string' ? config : config?.text;
      if (typeof text === 'string') {
        const params = typeof config === 'object' && config.values ? config.values : values;
        captured.push({ text, values: Array.isArray(params) ? params : [], page });
      }
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
  return {
    start: (p) => (page = p),
    stop: () => {
      page = null;
      Client.prototype.query = original;
      return captured;
    },
  };
}

/** A plan names the ledger's partitions (deliveries_editions_0_31, deliveries_default), each one the big table. */
const tableOf = (relation: string) => relation.replace(/^deliveries_(editions_\d+_\d+|default)$/, 'deliveries');

function seqScans(node: PlanNode, found: string[] = []): string[] {
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] && BIG_TABLES.has(tableOf(node['Relation Name']))) {
    found.push(node['Relation Name']);
  }
  for (const child of node.Plans ?? []) {
    seqScans(child, found);
  }
  return found;
}

describe(`No newsroom page reads a big table from end to end (${READERS.toLocaleString('en')} readers)`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { NASHRA_ROLE: 'web', OPEN_TRACKING: 'on' } });
    for (const sql of seedStatements({ readers: READERS })) {
      await t.dataSource.query(sql);
    }
    // Each reader in their frequency's digest and, while they get mail, the alerts (as the Newsletters migration
    // left every reader): the subscriptions the audience and the per-newsletter counts are about.
    await t.dataSource.query(
      `INSERT INTO subscriptions (subscriber_id, newsletter_id, status)
       SELECT s.id, n.id, CASE WHEN s.status = 'unsubscribed' THEN 'unsubscribed' ELSE 'active' END
         FROM subscribers s JOIN newsletters n
           ON n.slug = s.frequency OR (n.slug = 'breaking' AND s.status IN ('active', 'pending'))
       ON CONFLICT DO NOTHING`,
    );
    await t.dataSource.query('VACUUM ANALYZE subscriptions');
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  });

  it('EXPLAIN of every statement the pages and the stats API issue shows no sequential scan of deliveries or subscribers', async () => {
    const agent = request.agent(t.baseUrl);
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    const [sending]: Array<{ id: string }> = await t.dataSource.query(
      `SELECT id::text FROM editions WHERE status = 'sending' AND key LIKE 'daily:scale-%'`,
    );
    const [sent]: Array<{ id: string }> = await t.dataSource.query(
      `SELECT id::text FROM editions WHERE status = 'sent' AND key LIKE 'daily:scale-%' ORDER BY id LIMIT 1`,
    );
    const [reader]: Array<{ id: string; email: string }> = await t.dataSource.query(
      `SELECT id::text, email FROM subscribers WHERE status = 'active' ORDER BY id DESC LIMIT 1`,
    );
    const pages = [
      '/admin',
      '/admin/editions',
      '/admin/editions?type=daily&status=sent',
      `/admin/editions/${sending.id}`,
      `/admin/editions/${sending.id}/progress`,
      `/admin/editions/${sending.id}/engagement`,
      `/admin/editions/${sent.id}`,
      `/admin/editions/${sent.id}/engagement`,
      '/admin/readers',
      '/admin/readers?q=reader1234',
      '/admin/readers?q=site42.example',
      '/admin/readers?status=active',
      '/admin/readers?frequency=weekly',
      '/admin/readers?topic=economy',
      `/admin/readers/${reader.id}`,
      '/admin/next',
      '/admin/next?frequency=weekly',
      '/admin/topics',
      '/admin/breaking',
      '/admin/settings/newsletters',
      '/admin/settings/newsletters/weekly',
    ];
    const api = [
      `/admin/digests/${sent.id}/stats`,
      '/admin/engagement/topics',
      '/admin/digests',
      `/admin/digests/${sent.id}`,
      '/admin/newsletters',
      '/admin/digests/plan/weekly',
      `/admin/subscribers?email=${encodeURIComponent(reader.email)}`,
      `/admin/subscribers/${reader.id}/export`,
    ];
    const capture = captureQueries();
    try {
      for (const page of pages) {
        capture.start(page);
        await agent.get(page).expect(200);
      }
      for (const path of api) {
        capture.start(path);
        await request(t.baseUrl).get(path).set('Authorization', t.editorAuth).expect(200);
      }
    } finally {
      capture.start('');
    }
    const statements = capture.stop();
    expect(statements.length).toBeGreaterThan(pages.length);

    const client = new Client({ connectionString: t.database.url });
    await client.connect();
    const offending: string[] = [];
    const seen = new Set<string>();
    try {
      for (const { text, values, page } of statements) {
        const key = `${text}\u0000${JSON.stringify(values)}`;
        if (NOT_PLANNABLE.test(text) || seen.has(key)) {
          continue;
        }
        seen.add(key);
        const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
          `EXPLAIN (FORMAT JSON) ${text}`,
          values,
        );
        const scans: string[] = [];
        for (const relation of seqScans(rows[0]['QUERY PLAN'][0].Plan)) {
          // An empty ledger partition (one made ahead, the DEFAULT one) has nothing to read; a partition with
          // rows is the big table.
          const empty =
            relation !== tableOf(relation) &&
            (await client.query(`SELECT NOT EXISTS (SELECT 1 FROM "${relation}") AS empty`)).rows[0].empty;
          if (!empty) {
            scans.push(relation);
          }
        }
        if (scans.length > 0) {
          offending.push(`${page}: Seq Scan on ${scans.join(', ')}\n${text.replace(/\s+/g, ' ').slice(0, 400)}`);
        }
      }
    } finally {
      await client.end();
    }
    expect(offending).toEqual([]);
  }, 300_000);
});
