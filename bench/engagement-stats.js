// `npm run bench:stats`: how long an edition's engagement stats take at 100,000 deliveries (target < 200 ms).
//
//  1. a throwaway database (DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432/test), migrated by
//     the real app (dist/src/main.js, built if needed) started as a `web` process;
//  2. one daily edition of 10 articles sent to N readers (default 100,000: one INSERT … SELECT each for readers,
//     the ledger, the edition's links), and a click pattern like a newsletter's: about a third of readers click,
//     most of them one story, some two or three, spread over 48 hours and weighted to the first ones;
//  3. GET /admin/digests/:id/stats timed over the HTTP API (warm, 20 calls: median and worst), and the SQL
//     aggregates behind it under EXPLAIN (ANALYZE, BUFFERS).
// Writes its result into bench/RESULTS.md between the `<!-- bench:engagement-stats -->` markers.
// Not part of `npm test`: timings belong here, not in tests. `--deliveries N` for a smaller run.
const { execFileSync, spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir, cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const { freePort } = require('./free-port');
const { waitForHealth } = require('./proc');
const { insertReaders } = require('./ledger');
const { writeSection } = require('./report');

const ROOT = join(__dirname, '..');
const TARGET_MS = 200;
const log = (...args) => console.log(`[bench:stats ${new Date().toISOString().slice(11, 19)}]`, ...args);

function parseArgs(argv) {
  const opts = { deliveries: 100_000, calls: 20 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--deliveries') opts.deliveries = Number(argv[++i]);
    else if (argv[i] === '--calls') opts.calls = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return opts;
}

async function seed(db, n) {
  const started = Date.now();
  await insertReaders(db, n);
  const articles = [];
  for (let i = 1; i <= 10; i++) {
    const { rows } = await db.query(
      `INSERT INTO articles (url, guid, title, summary, published_at, topics, source)
       VALUES ($1, $1, $2, 'ملخص', now() - make_interval(hours => $3), $4, 'feed') RETURNING id`,
      [`https://www.example.net/2026/11/story-${i}/`, `قصة رقم ${i}`, i, [`topic_${i % 4}`]],
    );
    articles.push(rows[0].id);
  }
  const { rows } = await db.query(
    `INSERT INTO editions (key, frequency, window_from, window_to, article_ids, subject, status, triggered_by,
                           sending_started_at, sent_at)
     VALUES ('daily:bench', 'daily', now() - interval '3 days', now() - interval '2 days', $1::bigint[], 'bench',
             'sent', 'bench', now() - interval '2 days', now() - interval '2 days') RETURNING id`,
    [articles],
  );
  const edition = rows[0].id;
  await db.query(
    `INSERT INTO deliveries (edition_id, subscriber_id, segment_key, status, attempts, sent_at)
     SELECT $1, s.id, 'all', 'sent', 1, now() - interval '2 days' FROM subscribers s`,
    [edition],
  );
  await db.query(
    `INSERT INTO edition_links (edition_id, link_index, article_id, topics, target_url)
     SELECT $1, i, a.id, a.topics, a.url || '?utm_source=nashra'
       FROM unnest($2::bigint[]) WITH ORDINALITY AS x(id, i) JOIN articles a ON a.id = x.id`,
    [edition, articles],
  );
  // About a third of readers click: link 1 + (id mod 10) for all of them, a second and third link for some; the
  // time is weighted to the first hours (square of a uniform draw over 48 h).
  await db.query(
    `INSERT INTO clicks (delivery_id, link_index, edition_id, subscriber_id, clicked_at)
     SELECT d.id, l.i, d.edition_id, d.subscriber_id,
            e.sending_started_at + make_interval(secs => 48 * 3600 * power(random(), 2))
       FROM deliveries d
       JOIN editions e ON e.id = d.edition_id
       CROSS JOIN LATERAL (
         SELECT 1 + (d.id % 10)::int AS i
         UNION ALL SELECT 1 + ((d.id + 3) % 10)::int WHERE d.id % 4 = 0
         UNION ALL SELECT 1 + ((d.id + 7) % 10)::int WHERE d.id % 12 = 0
       ) l
      WHERE d.edition_id = $1 AND d.id % 3 = 0`,
    [edition],
  );
  await db.query('ANALYZE subscribers; ANALYZE deliveries; ANALYZE clicks; ANALYZE edition_links');
  const { rows: counts } = await db.query(
    `SELECT count(*)::int AS clicks, count(DISTINCT delivery_id)::int AS clickers FROM clicks`,
  );
  return { edition, seconds: (Date.now() - started) / 1000, ...counts[0] };
}

async function explain(db, sql, params) {
  const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
  const text = rows.map((r) => r['QUERY PLAN']).join('\n');
  const ms = Number(/Execution Time: ([\d.]+) ms/.exec(text)?.[1]);
  return { text, ms };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const loadBefore = loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.js')], { cwd: ROOT, stdio: 'inherit' });
  const baseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const dbName = `nashra_bench_stats_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  const postgres = (await admin.query('SHOW server_version')).rows[0].server_version;
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = `/${dbName}`;
  const varDir = mkdtempSync(join(tmpdir(), 'nashra-bench-stats-'));
  let app;
  let db;
  try {
    const port = await freePort();
    const token = 'bench-editor-token-0123456789';
    app = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NASHRA_ROLE: 'web',
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: dbUrl.toString(),
        SECRET_KEY: 'bench-secret-key-0123456789-0123456789-abcdef',
        EDITOR_TOKEN: token,
        POSTAL_ADDRESS: 'شارع المثال ١، دمشق',
        LOG_LEVEL: 'warn',
        VAR_DIR: varDir,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base, app);
    log('web process up (migrations applied)');
    db = new Client({ connectionString: dbUrl.toString() });
    await db.connect();
    const seeded = await seed(db, opts.deliveries);
    log(
      `${opts.deliveries} deliveries, ${seeded.clicks} clicks by ${seeded.clickers} readers seeded in ${seeded.seconds.toFixed(1)} s`,
    );

    const url = `${base}/admin/digests/${seeded.edition}/stats`;
    const call = async () => {
      const t0 = process.hrtime.bigint();
      const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
      const body = await res.json();
      if (res.status !== 200) throw new Error(`stats answered ${res.status}`);
      return { ms: Number(process.hrtime.bigint() - t0) / 1e6, body };
    };
    const first = await call();
    if (first.body.uniqueClickers !== seeded.clickers) throw new Error('stats disagree with the seeded clicks');
    const times = [];
    for (let i = 0; i < opts.calls; i++) times.push((await call()).ms);
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    const worst = times[times.length - 1];
    log(`GET stats: cold ${first.ms.toFixed(1)} ms, median ${median.toFixed(1)} ms, worst ${worst.toFixed(1)} ms`);

    const queries = [
      ['unique clickers', `SELECT count(DISTINCT delivery_id) FROM clicks WHERE edition_id = $1`, [seeded.edition]],
      [
        'per-article clicks and rank',
        `SELECT l.link_index, coalesce(c.clicks, 0) AS clicks, rank() OVER (ORDER BY coalesce(c.clicks, 0) DESC)
           FROM edition_links l
           LEFT JOIN (SELECT link_index, count(*) AS clicks FROM clicks WHERE edition_id = $1 GROUP BY link_index) c
             ON c.link_index = l.link_index
          WHERE l.edition_id = $1`,
        [seeded.edition],
      ],
      [
        'clicks per hour (48 h)',
        `SELECT floor(extract(epoch FROM clicked_at - e.sending_started_at) / 3600)::int, count(*)
           FROM clicks c JOIN editions e ON e.id = c.edition_id
          WHERE c.edition_id = $1 AND c.clicked_at >= e.sending_started_at
            AND c.clicked_at < e.sending_started_at + interval '48 hours'
          GROUP BY 1`,
        [seeded.edition],
      ],
      ['delivered', `SELECT count(*) FROM deliveries WHERE edition_id = $1 AND status = 'sent'`, [seeded.edition]],
    ];
    const plans = [];
    for (const [label, sql, params] of queries) plans.push([label, await explain(db, sql, params)]);
    const loadAfter = loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ');

    const lines = [
      `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: \`npm run bench:stats -- ${process.argv.slice(2).join(' ')}\``.trimEnd(),
      '',
      `${cpus()[0]?.model ?? 'CPU'} × ${cpus().length}; Node ${process.version}; PostgreSQL ${postgres}; load average ` +
        `(1/5/15 min) ${loadBefore} before, ${loadAfter} after; ${opts.deliveries} deliveries, ${seeded.clicks} clicks ` +
        `by ${seeded.clickers} readers.`,
      '',
      '| measure | value |',
      '|---|---|',
      `| GET /admin/digests/:id/stats, first call | ${first.ms.toFixed(1)} ms |`,
      `| GET /admin/digests/:id/stats, median of ${opts.calls} | ${median.toFixed(1)} ms (target < ${TARGET_MS} ms: ${median < TARGET_MS ? 'met' : 'NOT met'}) |`,
      `| GET /admin/digests/:id/stats, worst of ${opts.calls} | ${worst.toFixed(1)} ms |`,
      ...plans.map(([label, p]) => `| ${label} (SQL execution) | ${p.ms.toFixed(2)} ms |`),
      '',
      '<details><summary>EXPLAIN (ANALYZE, BUFFERS)</summary>',
      '',
      ...plans.flatMap(([label, p]) => [`${label}:`, '', '```', p.text, '```', '']),
      '</details>',
    ];
    const block = lines.join('\n');
    console.log(`\n${block}\n`);
    writeSection(join(__dirname, 'RESULTS.md'), 'engagement-stats', 'Engagement stats (`npm run bench:stats`)', block);
  } finally {
    await db?.end().catch(() => undefined);
    if (app && app.exitCode === null) {
      app.kill('SIGTERM');
      await new Promise((r) => app.once('exit', r));
    }
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(varDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
