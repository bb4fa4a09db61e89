// `npm run bench:newsroom [-- --readers N] [--editions E] [--runs R] [--cpu-runs C] [--keep] [--db NAME]`: how long every newsroom
// page and the stats API take at scale (targets: pages < 150 ms median, the sending screen's progress fragment
// < 20 ms). --keep leaves the seeded database in place (its name printed); --db NAME times the pages on such a
// database again without seeding (the app still applies any new migration), e.g. after a query fix.
//
//  1. a throwaway database (DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432/test), migrated by
//     the real app (dist/src/main.js, built if needed) started as a `web` process;
//  2. N readers (default 1,000,000) and E sent editions plus one being sent (default 12), a ledger row per
//     active reader of each (10.4 million at 1,000,000 readers), tracked links and clicks: bench/newsroom-seed.js,
//     the same set-based SQL the EXPLAIN test (test/scale/page-plans.e2e-spec.ts) seeds 50,000 readers with,
//     with its fast ledger path (indexes rebuilt after, row triggers off, kept counts recounted); each
//     statement's time is logged;
//  3. an editor signed in through the real form; every page requested once to warm up, then R times (default 5):
//     the median and the worst, as the browser would get them (HTTP, rendered HTML); then C more (default 20)
//     for the CPU one request costs the web process and PostgreSQL (/proc), which the neighbours' load on a
//     shared machine moves much less than the wall time.
// Writes its table into bench/RESULTS.md between `<!-- bench:newsroom -->` markers (a run below 1,000,000
// readers into `<!-- bench:newsroom-small -->`). On a shared machine, run it small: `-- --readers 50000`.
const { execFileSync, spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir, cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const { freePort } = require('./free-port');
const { waitForHealth, cpuDelta, snapshot } = require('./proc');
const { seedStatements } = require('./newsroom-seed');
const { writeSection } = require('./report');

const ROOT = join(__dirname, '..');
const PAGE_TARGET_MS = 150;
const FRAGMENT_TARGET_MS = 20;
const EDITOR = { email: 'bench-editor@example.net', password: 'bench-password-0123456789' };
const log = (...args) => console.log(`[bench:newsroom ${new Date().toISOString().slice(11, 19)}]`, ...args);

function parseArgs(argv) {
  const opts = { readers: 1_000_000, editions: 12, runs: 5, cpuRuns: 20, keep: false, db: undefined };
  for (let i = 0; i < argv.length; i++) {
    const value = () => Number(argv[++i]);
    if (argv[i] === '--readers') opts.readers = value();
    else if (argv[i] === '--editions') opts.editions = value();
    else if (argv[i] === '--runs') opts.runs = value();
    else if (argv[i] === '--cpu-runs') opts.cpuRuns = value();
    else if (argv[i] === '--keep') opts.keep = true;
    else if (argv[i] === '--db') opts.db = argv[++i];
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return opts;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

/** Signs in through /admin/login (CSRF token from the form) and returns the session's Cookie header. */
async function signIn(base) {
  const jar = new Map();
  const keep = (res) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const form = await fetch(`${base}/admin/login`);
  keep(form);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  const signedIn = await fetch(`${base}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
    body: new URLSearchParams({ ...EDITOR, _csrf: csrf ?? '' }).toString(),
  });
  if (signedIn.status !== 303) throw new Error(`sign-in failed: ${signedIn.status}`);
  keep(signedIn);
  return cookie();
}

async function timed(url, headers) {
  const t0 = process.hrtime.bigint();
  const res = await fetch(url, { headers, redirect: 'manual' });
  await res.arrayBuffer();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return ms;
}

async function backendPids(db) {
  const { rows } = await db.query(
    `SELECT pid FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
  );
  return rows.map((r) => r.pid);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const loadBefore = load();
  log(`${opts.readers} readers, ${opts.editions} sent editions, ${opts.runs} runs a page; load ${loadBefore}`);
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.js')], { cwd: ROOT, stdio: 'inherit' });
  const baseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const dbName = opts.db ?? `nashra_bench_newsroom_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  const postgres = (await admin.query('SHOW server_version')).rows[0].server_version;
  if (!opts.db) await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = `/${dbName}`;
  const varDir = mkdtempSync(join(tmpdir(), 'nashra-bench-newsroom-'));
  const token = 'bench-editor-token-0123456789';
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    DATABASE_URL: dbUrl.toString(),
    SECRET_KEY: 'bench-secret-key-0123456789-0123456789-abcdef',
    EDITOR_TOKEN: token,
    POSTAL_ADDRESS: 'شارع المثال ١، دمشق',
    OPEN_TRACKING: 'on',
    LOG_LEVEL: 'warn',
    VAR_DIR: varDir,
  };
  let app;
  let db;
  try {
    const port = await freePort();
    app = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: ROOT,
      env: { ...env, NASHRA_ROLE: 'web', PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base, app);
    log('web process up (migrations applied)');
    db = new Client({ connectionString: dbUrl.toString() });
    await db.connect();
    const started = Date.now();
    if (!opts.db) {
      for (const sql of seedStatements({
        readers: opts.readers,
        editions: opts.editions,
        fast: true,
        audience: 'active',
      })) {
        const t0 = Date.now();
        await db.query(sql);
        log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${sql.replace(/\s+/g, ' ').slice(0, 90)}`);
      }
    }
    const seedSeconds = opts.db ? NaN : (Date.now() - started) / 1000;
    const { rows: sizes } = await db.query(
      `SELECT (SELECT count(*) FROM deliveries)::int AS deliveries, (SELECT count(*) FROM clicks)::int AS clicks,
              pg_size_pretty(pg_database_size(current_database())) AS size`,
    );
    log(`seeded in ${seedSeconds.toFixed(1)} s: ${sizes[0].deliveries} ledger rows, ${sizes[0].clicks} clicks`);
    // Pages timed on a ledger whose indexes the seed left unusable would say nothing about a real one.
    const { rows: invalid } = await db.query(
      `SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT indisvalid OR NOT indisready`,
    );
    if (invalid.length > 0) throw new Error(`invalid indexes after seeding: ${invalid.map((r) => r.name).join(', ')}`);
    if (!opts.db)
      execFileSync(
        process.execPath,
        ['dist/src/auth/editor-create.cli.js', '--email', EDITOR.email, '--password', EDITOR.password],
        { cwd: ROOT, env, stdio: 'ignore' },
      );
    const cookie = await signIn(base);

    const ids = async (sql) => (await db.query(sql)).rows[0].id;
    const sending = await ids(`SELECT id::text FROM editions WHERE status = 'sending' AND key LIKE 'daily:scale-%'`);
    const sent = await ids(
      `SELECT id::text FROM editions WHERE status = 'sent' AND key LIKE 'daily:scale-%' ORDER BY id LIMIT 1`,
    );
    const reader = await ids(`SELECT id::text FROM subscribers WHERE status = 'active' ORDER BY id DESC LIMIT 1`);
    const page = (label, path, target = PAGE_TARGET_MS) => ({ label, path, target, headers: { cookie } });
    const api = (label, path) => ({
      label,
      path,
      target: PAGE_TARGET_MS,
      headers: { authorization: `Bearer ${token}` },
    });
    const targets = [
      page('dashboard', '/admin'),
      page('history (`/admin/editions`)', '/admin/editions'),
      page('sending screen (edition being sent)', `/admin/editions/${sending}`),
      page('progress fragment (polled every second)', `/admin/editions/${sending}/progress`, FRAGMENT_TARGET_MS),
      page('engagement card', `/admin/editions/${sent}/engagement`),
      page('sent edition', `/admin/editions/${sent}`),
      page('readers', '/admin/readers'),
      page('reader search, part of an address', '/admin/readers?q=reader12345'),
      page('readers of a topic', '/admin/readers?topic=economy'),
      page("a reader's record", `/admin/readers/${reader}`),
      page('next digest (`/admin/next`)', '/admin/next'),
      page('topics', '/admin/topics'),
      page('breaking alert', '/admin/breaking'),
      api('stats API (`/admin/digests/:id/stats`)', `/admin/digests/${sent}/stats`),
    ];
    const rows = [];
    for (const t of targets) {
      await timed(base + t.path, t.headers); // warm-up
      const times = [];
      for (let i = 0; i < opts.runs; i++) times.push(await timed(base + t.path, t.headers));
      const m = median(times);
      // CPU a request costs the web process and the database (its backends, from /proc), over --cpu-runs more
      // requests: on a shared machine the wall time swings with the neighbours' load, this much less.
      const pids = [app.pid, ...(await backendPids(db))];
      const before = snapshot(pids);
      for (let i = 0; i < opts.cpuRuns; i++) await timed(base + t.path, t.headers);
      const webCpuMs = (cpuDelta([app.pid], before) * 1000) / opts.cpuRuns;
      const pgCpuMs = (cpuDelta(pids.slice(1), before) * 1000) / opts.cpuRuns;
      rows.push({ ...t, median: m, worst: Math.max(...times), webCpuMs, pgCpuMs });
      log(
        `${t.label}: median ${m.toFixed(1)} ms (${times.map((x) => x.toFixed(1)).join(' / ')}); CPU a request: ` +
          `web ${webCpuMs.toFixed(1)} ms, PostgreSQL ${pgCpuMs.toFixed(1)} ms`,
      );
    }
    const loadAfter = load();
    const lines = [
      `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: \`npm run bench:newsroom -- ${process.argv.slice(2).join(' ')}\``.trimEnd(),
      '',
      `${cpus()[0]?.model ?? 'CPU'} × ${cpus().length}; Node ${process.version}; PostgreSQL ${postgres}; load average ` +
        `(1/5/15 min) ${loadBefore} before, ${loadAfter} after; ${opts.readers} readers, ${sizes[0].deliveries} ` +
        `ledger rows, ${sizes[0].clicks} clicks, database ${sizes[0].size}; ` +
        (opts.db ? 'database seeded by an earlier run (--db).' : `seeded in ${seedSeconds.toFixed(1)} s.`) +
        (Number(String(loadBefore).split(' ')[0]) > cpus().length
          ? ' The machine was busy before the run (load above the number of cores): a quiet one gives lower figures.'
          : ' A quiet machine (load below the number of cores before the run).'),
      '',
      `| page | median of ${opts.runs} ms | worst ms | target ms | CPU a request, web + PostgreSQL ms (${opts.cpuRuns} requests) |`,
      '|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.label} | ${r.median.toFixed(1)}${r.median > r.target ? ' ✗' : ''} | ${r.worst.toFixed(1)} | < ${r.target} | ` +
          `${r.webCpuMs.toFixed(1)} + ${r.pgCpuMs.toFixed(1)} |`,
      ),
    ];
    const block = lines.join('\n');
    console.log(`\n${block}\n`);
    const full = opts.readers >= 1_000_000;
    writeSection(
      join(__dirname, 'RESULTS.md'),
      full ? 'newsroom' : 'newsroom-small',
      full
        ? 'Newsroom pages (`npm run bench:newsroom`)'
        : 'Newsroom pages, small run (`npm run bench:newsroom -- --readers …`)',
      block,
    );
  } finally {
    app?.kill('SIGTERM');
    await db?.end().catch(() => undefined);
    if (opts.keep || opts.db) log(`database kept: ${dbName} (drop it with: DROP DATABASE "${dbName}" WITH (FORCE))`);
    else await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch((e) => log(`drop: ${e.message}`));
    await admin.end();
    rmSync(varDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
