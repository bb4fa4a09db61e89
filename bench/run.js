#!/usr/bin/env node
// npm run bench [-- --readers 100000] [--large] [--sample 20000] [--burst-seconds 20] [--no-burst] [--profile]
//                [--worker-heap MiB]   (the worker under node --max-old-space-size=MiB) [--no-two-workers] [--no-dkim]
//                [--max-minutes 30]    (--large: stop the send there and report what was sent)
//                [--no-compare]        (skip the naive and ceiling legs)
//                [--sink postfix]      (Postfix's smtp-sink receives instead of the Node sink, and Postfix's
//                                       smtp-source sends the same number of messages of the same size into it:
//                                       nashra ÷ smtp-source, "how close to the wire")
//                [--only signup]       (only the signup burst beside GET /health; prints, writes no RESULTS.md;
//                                       with --profile, a CPU profile of the web process in bench/profiles)
//
// The whole send path, end to end, on this machine:
//  1. a throwaway database (DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432/test) with N
//     active readers inserted in one statement, ten articles cut from test/fixtures/article-ar.txt;
//  2. the real app (dist/src/main.js, built if needed) as a `web` process: signup burst beside GET /health
//     (autocannon, 50 connections), then POST /admin/digests creates the edition and queues its audience;
//  3. EXPLAIN (ANALYZE, BUFFERS) of the worker's claim at N pending and at 10,000 pending, and of one write-back;
//  4. the real app as a `worker` process sending the edition to a counting SMTP server in another process;
//     (its peak RSS read when 10,000 were sent and at the end), then the same edition again through two
//     worker processes sharing the ledger (unless --no-two-workers);
//     then the same edition again through one worker with DKIM on (RSA-2048, signed on the raw path), unless
//     --no-dkim, so DKIM on and off are read side by side;
//  5. same sink, same pool: naive (nodemailer builds every message) and ceiling (the same finished bytes);
//  6. checks the sink counted exactly N for every leg (else exit 1), prints the table, writes bench/RESULTS.md.
//     A sample of the DKIM leg's messages (50) is kept by the sink and verified with mailauth.
// --large: 1,000,000 readers, all sent by one worker with DKIM on (RSA-2048; --no-dkim for off): total time,
// msg/s, the worker's peak RSS (at most 256 MiB) and each reader exactly once (the ledger: one row a reader, every
// row sent, the kept count; the sink: one message to each reader number). No burst, no naive/ceiling legs.
// --large --sample N: quick run, the same setup but only the first N messages sent, DKIM off then on (the
// mailauth check too), and the naive and ceiling legs.
const { execFileSync, fork, spawn } = require('node:child_process');
const { generateKeyPairSync } = require('node:crypto');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const { freePort } = require('./free-port');
const proc = require('./proc');
const ledger = require('./ledger');
const { runBurst } = require('./burst');
const { printAndWrite } = require('./report');
const { verifySamples } = require('./dkim-verify');
const { startPostfixSink, runSmtpSource } = require('./postfix-sink');

const WORKER_RSS_LIMIT_MIB = 256;
const DKIM_SAMPLES = 50;

const ROOT = join(__dirname, '..');

function parseArgs(argv) {
  const opts = {
    readers: 100_000,
    large: false,
    sample: undefined,
    burstSeconds: 20,
    burst: true,
    profile: false,
    twoWorkers: true,
    dkim: true,
    only: undefined,
    maxMinutes: 30,
    sink: 'node',
    compare: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => Number(argv[++i]);
    if (a === '--readers') opts.readers = value();
    else if (a === '--sample') opts.sample = value();
    else if (a === '--burst-seconds') opts.burstSeconds = value();
    else if (a === '--pool') opts.pool = value();
    else if (a === '--large') opts.large = true;
    else if (a === '--no-burst') opts.burst = false;
    else if (a === '--profile') opts.profile = true;
    else if (a === '--worker-heap') opts.workerHeap = value();
    else if (a === '--no-two-workers') opts.twoWorkers = false;
    else if (a === '--no-dkim') opts.dkim = false;
    else if (a === '--only') opts.only = argv[++i];
    else if (a === '--max-minutes') opts.maxMinutes = value();
    else if (a === '--sink') opts.sink = argv[++i];
    else if (a === '--no-compare') opts.compare = false;
    else throw new Error(`unknown option ${a}`);
  }
  if (opts.large) {
    opts.readers = argv.includes('--readers') ? opts.readers : 1_000_000;
    opts.burst = false;
  }
  opts.pool = opts.pool || 5;
  opts.full = opts.large && opts.sample === undefined; // --large without --sample: every message of the edition
  if (!['node', 'postfix'].includes(opts.sink)) throw new Error(`--sink takes node or postfix, not ${opts.sink}`);
  if (opts.only !== undefined && opts.only !== 'signup') throw new Error(`--only takes signup, not ${opts.only}`);
  if (opts.only === 'signup') {
    opts.readers = argv.includes('--readers') ? opts.readers : 1000;
    opts.burst = true;
  }
  return opts;
}

const log = (...args) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);

/** The real app in its own process (the built dist/src/main.js), output kept for waiting on lines. */
function startApp(role, env, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, 'dist/src/main.js'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NASHRA_ROLE: role, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last ~200 KB of output, kept as chunks and joined only when read: re-slicing one 200 KB string for every
  // chunk cost this process about an eighth of a core during the signup burst (one access-log line a request),
  // CPU taken from the app being measured.
  const chunks = [];
  let kept = 0;
  const app = {
    child,
    exited: false,
    get output() {
      return Buffer.concat(chunks).toString('utf8');
    },
  };
  const collect = (chunk) => {
    chunks.push(chunk);
    kept += chunk.length;
    while (kept - chunks[0].length >= 200_000) kept -= chunks.shift().length;
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  app.exit = new Promise((resolve) =>
    child.on('exit', (code) => {
      app.exited = true;
      resolve(code);
    }),
  );
  return app;
}

async function waitUntil(what, check, timeoutMs, app) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (app?.exited) throw new Error(`${what}: the app exited:\n${app.output.slice(-3000)}`);
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${app ? `:\n${app.output.slice(-3000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopApp(app) {
  if (!app || app.exited) return;
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 30_000);
  await app.exit;
  clearTimeout(timer);
}

function startSink() {
  const child = fork(join(__dirname, 'sink.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = (message) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send(message);
    });
  return new Promise((resolve) =>
    child.once('message', ({ port }) =>
      resolve({
        port,
        pid: child.pid,
        count: () => ask('count'),
        reset: () => ask('reset'),
        ask,
        stop: () => child.send('stop'),
      }),
    ),
  );
}

function runLeg(mode, editionFile, sink, n, pool) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(__dirname, 'legs.js'), mode, editionFile, String(sink.port), String(n), String(pool)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`${mode} leg exited ${code}`)),
    );
  });
}

/** msg/s between the sink's first and last message of a leg. */
function sinkRate(counts) {
  const seconds = Math.max(0.001, (counts.last - counts.first) / 1000);
  return { seconds, rate: counts.received / seconds };
}

async function backendPids(db) {
  const { rows } = await db.query(
    // Client backends only (the worker's and the web process's pools): autovacuum after a big insert is real
    // PostgreSQL work too, but not the send's.
    `SELECT pid FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
  );
  return rows.map((r) => r.pid);
}

/**
 * Sends the queued edition through `workers` worker processes (dist/src/main.js, NASHRA_ROLE=worker) until the
 * sink has counted `target` messages (and, but for --large, the ledger says every row sent). CPU and peak RSS
 * (VmHWM) are the workers' summed and largest; `peakAt10kMiB` is the peak when the sink had counted 10,000.
 */
async function workerLeg({ db, sink, common, nodeArgs, target, workers, large, env = {}, keep = 0, maxMinutes = 30 }) {
  await sink.reset();
  if (keep) await sink.ask({ keep });
  const apps = [];
  const started = Date.now();
  try {
    for (let i = 0; i < workers; i++) {
      apps.push(startApp('worker', { ...common, ...env, PORT: String(await freePort()) }, nodeArgs));
    }
    for (const app of apps) {
      await waitUntil('the worker to start', () => /Delivery worker started/.test(app.output), 180_000, app);
    }
    const pids = apps.map((a) => a.child.pid);
    const cpu0 = pids.map((pid) => proc.cpuSeconds(pid));
    const pgBefore = proc.snapshot(await backendPids(db));
    let counts;
    let peakAt10kMiB;
    let timedOut = false;
    // A large run stops at its time cap (--max-minutes, default 30) and reports what was sent by then.
    const cap = large ? started + maxMinutes * 60_000 : Infinity;
    await waitUntil(
      `the sink to count ${target}`,
      async () => {
        counts = await sink.count();
        if (peakAt10kMiB === undefined && counts.received >= 10_000 && target > 10_000) {
          peakAt10kMiB = Math.max(...pids.map((pid) => proc.memory(pid).peakMiB || 0));
        }
        timedOut = Date.now() > cap;
        return counts.received >= target || timedOut;
      },
      large ? maxMinutes * 60_000 + 60_000 : 900_000,
      apps[0],
    );
    const sentAt = Date.now();
    if (!large) {
      await waitUntil(
        'the ledger to say every row sent',
        async () =>
          (await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'`)).rows[0].n === target,
        60_000,
      );
    }
    const cpuSeconds = pids.reduce((sum, pid, i) => sum + proc.cpuSeconds(pid) - cpu0[i], 0);
    const peakMiB = Math.max(...pids.map((pid) => proc.memory(pid).peakMiB || 0));
    const pgCpuSeconds = proc.cpuDelta(await backendPids(db), pgBefore);
    for (const app of apps) await stopApp(app);
    counts = large ? counts : await sink.count();
    return {
      ...sinkRate(counts),
      wallSeconds: (sentAt - started) / 1000,
      timedOut,
      distinct: counts.distinct,
      duplicates: counts.duplicates,
      received: counts.received,
      other: counts.other,
      cpuSeconds,
      peakMiB,
      peakAt10kMiB,
      pgCpuSeconds,
    };
  } finally {
    for (const app of apps) await stopApp(app).catch(() => undefined);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const results = { opts, machine: proc.machine(), failures: [] };
  log(
    `${opts.large ? 'large' : 'default'} run: ${opts.readers} readers, pool ${opts.pool}, load ${results.machine.load}`,
  );
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.js')], { cwd: ROOT, stdio: 'inherit' });

  const baseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const dbName = `nashra_bench_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  results.machine.postgres = (await admin.query('SHOW server_version')).rows[0].server_version;
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = `/${dbName}`;
  const varDir = mkdtempSync(join(tmpdir(), 'nashra-bench-'));
  const sink = opts.sink === 'postfix' ? await startPostfixSink() : await startSink();
  let web;
  let db;
  try {
    const webPort = await freePort();
    const common = {
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl.toString(),
      SECRET_KEY: 'bench-secret-key-0123456789-0123456789-abcdef',
      EDITOR_TOKEN: 'bench-editor-token-0123456789',
      MAIL_FROM: 'نشرة الحل نت <newsletter@nashra.example>',
      PUBLIC_BASE_URL: `http://127.0.0.1:${webPort}`,
      SITE_URL: 'https://www.example.net',
      POSTAL_ADDRESS: 'شارع المثال ١، دمشق',
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      SMTP_POOL_SIZE: String(opts.pool),
      SIGNUP_RATE_LIMIT_PER_MINUTE: '100000000',
      LOG_LEVEL: 'info',
      VAR_DIR: varDir,
    };
    const webArgs =
      opts.only === 'signup' && opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(__dirname, 'profiles')}`] : [];
    web = startApp('web', { ...common, PORT: String(webPort) }, webArgs);
    const base = `http://127.0.0.1:${webPort}`;
    await waitUntil(
      'the web process',
      () =>
        fetch(`${base}/health`).then(
          (r) => r.ok,
          () => false,
        ),
      180_000,
      web,
    );
    log('web process up (migrations applied)');

    db = new Client({ connectionString: dbUrl.toString() });
    await db.connect();
    results.readersInsertSeconds = await ledger.insertReaders(db, opts.readers);
    log(`${opts.readers} readers inserted in ${results.readersInsertSeconds.toFixed(1)} s`);

    if (opts.burst) {
      // CPU spent per signup by the web process and its PostgreSQL backends: on a shared machine the latency
      // swings with the neighbours' load, the CPU a signup costs much less.
      let cpuBefore;
      const cpuPids = async () => [web.child.pid, ...(await backendPids(db))];
      results.burst = await runBurst(base, opts.burstSeconds, log, {
        beforeSignup: async () => {
          cpuBefore = proc.snapshot(await cpuPids());
        },
        afterSignup: async (signup) => {
          const pids = await cpuPids();
          const webCpu = proc.cpuDelta([web.child.pid], cpuBefore);
          const pgCpu = proc.cpuDelta(
            pids.filter((pid) => pid !== web.child.pid),
            cpuBefore,
          );
          signup.cpuMsPerSignup = { web: (webCpu * 1000) / signup.requests, pg: (pgCpu * 1000) / signup.requests };
        },
      });
      // Each new address of the burst queued its confirmation email in the transactional outbox, which a worker
      // sends before any edition row. Those are not the edition send measured below (the sink must count exactly
      // the edition's N), so they are set aside here, and their number reported.
      await new Promise((resolve) => setTimeout(resolve, 1000)); // the burst's last requests in flight land
      const setAside = await db.query(
        `UPDATE transactional_messages SET status = 'skipped', last_error = 'bench: burst confirmation set aside'
          WHERE status = 'queued'`,
      );
      log(`signup burst queued ${setAside.rowCount} confirmation emails (set aside, not sent by the worker leg)`);
    }
    if (opts.only === 'signup') {
      const { signup, health } = results.burst;
      log(
        `signup only: ${signup.rps.toFixed(0)} signups/s, p50 ${signup.p50} ms, p99 ${signup.p99} ms, ` +
          `CPU per signup: web ${signup.cpuMsPerSignup.web.toFixed(2)} ms, PostgreSQL ` +
          `${signup.cpuMsPerSignup.pg.toFixed(2)} ms; ` +
          `${signup.non2xx} non-2xx, ${signup.errors} errors; /health ${health.rps.toFixed(0)} req/s; ` +
          `load before ${results.machine.load}, after ${proc.machine().load}`,
      );
      return;
    }

    await ledger.insertArticles(db, ROOT);
    const created = Date.now();
    const response = await fetch(`${base}/admin/digests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${common.EDITOR_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ frequency: 'daily' }),
    });
    if (!response.ok) throw new Error(`POST /admin/digests: ${response.status} ${await response.text()}`);
    results.queueSeconds = (Date.now() - created) / 1000;
    const edition = await response.json();
    const editionId = String(edition.id);
    const { rows: pendingRows } = await db.query(
      `SELECT count(*)::int AS n FROM deliveries WHERE edition_id = $1 AND status = 'queued'`,
      [editionId],
    );
    const queued = pendingRows[0].n;
    log(`edition #${editionId} created and ${queued} deliveries queued in ${results.queueSeconds.toFixed(1)} s`);
    if (queued !== opts.readers) results.failures.push(`queued ${queued} deliveries for ${opts.readers} readers`);
    await db.query('VACUUM ANALYZE deliveries');

    ({ plan: results.claimAtN, times: results.claimAtNTimes } = await ledger.explainClaim(db, editionId));
    log(`claim at ${queued} pending: ${results.claimAtNTimes.join(' / ')} ms; median run:\n${results.claimAtN}`);
    if (!opts.large && queued > 10_000) {
      ({ plan: results.claimAt10k, times: results.claimAt10kTimes } = await ledger.explainClaimAtPending(
        db,
        editionId,
        10_000,
      ));
      await db.query('VACUUM ANALYZE deliveries');
      log(`claim at 10000 pending: ${results.claimAt10kTimes.join(' / ')} ms; median run:\n${results.claimAt10k}`);
    }
    results.writeBack = await ledger.explainWriteBack(db, editionId);
    log(`write-back of 200 rows: ${ledger.executionMs(results.writeBack)} ms`);

    const { rows: render } = await db.query(
      `SELECT subject, html, text FROM edition_renders WHERE edition_id = $1 AND segment_key = 'all'`,
      [editionId],
    );
    const editionFile = join(varDir, 'edition.json');
    writeFileSync(editionFile, JSON.stringify({ from: common.MAIL_FROM, ...render[0] }));
    results.editionKiB = Buffer.byteLength(render[0].html) / 1024;

    // The worker leg: one worker process, as deployed.
    const target = opts.large && !opts.full ? Math.min(opts.sample, queued) : queued;
    const keyFile = join(varDir, 'dkim.pem');
    const dkimKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(keyFile, dkimKey.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const dkimEnv = { DKIM_DOMAIN: 'nashra.example', DKIM_SELECTOR: 'bench', DKIM_PRIVATE_KEY_FILE: keyFile };
    const verifyKept = async (leg) => {
      if (sink.kind === 'postfix') {
        log('mailauth: not checked (smtp-sink keeps no messages; the run with the Node sink checks them)');
        return;
      }
      const { samples } = await sink.ask('samples');
      leg.verified = await verifySamples(samples, {
        domain: dkimEnv.DKIM_DOMAIN,
        selector: dkimEnv.DKIM_SELECTOR,
        publicKey: dkimKey.publicKey,
      });
      log(`mailauth: ${leg.verified.passed} of ${leg.verified.checked} kept messages verify`);
      if (leg.verified.checked === 0 || leg.verified.passed !== leg.verified.checked)
        results.failures.push(
          `DKIM: ${leg.verified.passed} of ${leg.verified.checked} messages verify (${leg.verified.failures.join('; ')})`,
        );
    };
    const nodeArgs = [
      // A sample every 10 ms (not 1): a profile of a 15-minute send stays small and costs the worker little.
      ...(opts.profile
        ? ['--cpu-prof', '--cpu-prof-interval', '10000', `--cpu-prof-dir=${join(__dirname, 'profiles')}`]
        : []),
      ...(opts.workerHeap ? [`--max-old-space-size=${opts.workerHeap}`] : []),
    ];
    const send = (workers, env, keep = 0) =>
      workerLeg({
        db,
        sink,
        common,
        nodeArgs,
        target,
        workers,
        large: opts.large,
        env,
        keep,
        maxMinutes: opts.maxMinutes,
      });
    // Puts the edition's rows back to queued for another leg (bench only: nashra never does this to a sent row).
    const requeue = async () => {
      await db.query(
        `UPDATE deliveries SET status = 'queued', sent_at = NULL, message_id = NULL, attempts = 0,
                next_attempt_at = now(), lease_expires_at = NULL WHERE edition_id = $1`,
        [editionId],
      );
      await db.query(`UPDATE editions SET status = 'sending', sent_at = NULL WHERE id = $1`, [editionId]);
      await db.query('VACUUM ANALYZE deliveries');
    };
    if (opts.full) {
      // Every message of the edition, one worker, DKIM on (as every bulk sender to Gmail, Yahoo, Outlook.com).
      const large = await send(1, opts.dkim ? dkimEnv : {}, DKIM_SAMPLES);
      large.dkim = opts.dkim;
      results.large = large;
      if (opts.dkim) await verifyKept(large);
      if (large.timedOut)
        results.failures.push(`stopped at the ${opts.maxMinutes}-minute cap with ${large.received} of ${target} sent`);
      else
        await waitUntil(
          'the ledger to say every row sent',
          async () =>
            (await db.query(`SELECT sent::int AS n FROM edition_counts WHERE edition_id = $1`, [editionId])).rows[0]
              ?.n >= target,
          300_000,
        );
      const { rows: once } = await db.query(
        `SELECT count(*)::int AS rows, count(DISTINCT subscriber_id)::int AS readers,
                count(*) FILTER (WHERE status = 'sent')::int AS sent,
                (SELECT count(*)::int FROM subscribers WHERE status = 'active') AS active,
                (SELECT sent::int FROM edition_counts WHERE edition_id = $1) AS kept_sent
         FROM deliveries WHERE edition_id = $1`,
        [editionId],
      );
      large.ledger = once[0];
      const l = large.ledger;
      const exactlyOnce =
        l.rows === l.active && l.readers === l.active && l.sent === l.active && l.kept_sent === l.active;
      if (!exactlyOnce) results.failures.push(`ledger: ${JSON.stringify(l)} (want every count = ${l.active})`);
      if (sink.kind === 'postfix') {
        if (large.received !== target) results.failures.push(`sink: ${large.received} messages (want ${target})`);
      } else if (large.received !== target || large.distinct !== target || large.duplicates !== 0)
        results.failures.push(
          `sink: ${large.received} messages to ${large.distinct} readers, ${large.duplicates} duplicates (want ${target} each, 0)`,
        );
      if (!(large.peakMiB <= WORKER_RSS_LIMIT_MIB))
        results.failures.push(`worker peak RSS ${large.peakMiB.toFixed(0)} MiB > ${WORKER_RSS_LIMIT_MIB} MiB`);
      log(
        `large: ${large.received} messages` +
          (sink.kind === 'postfix' ? ' in ' : ` (${large.distinct} readers, ${large.duplicates} duplicates) in `) +
          `${large.wallSeconds.toFixed(0)} s from the worker's start (${large.seconds.toFixed(0)} s first to last ` +
          `message, ${large.rate.toFixed(0)} msg/s), worker CPU ${large.cpuSeconds.toFixed(1)} s, peak RSS ` +
          `${large.peakMiB.toFixed(0)} MiB; ledger ${JSON.stringify(l)}`,
      );
    } else {
      results.nashra = await send(1);
      if (!opts.large && results.nashra.received !== target)
        results.failures.push(`nashra: the sink counted ${results.nashra.received}, not ${target}`);
      log(
        `nashra: ${results.nashra.received} messages, ${results.nashra.rate.toFixed(0)} msg/s, worker CPU ${results.nashra.cpuSeconds.toFixed(1)} s, peak RSS ${results.nashra.peakMiB.toFixed(0)} MiB (${results.nashra.peakAt10kMiB?.toFixed(0) ?? 'n/a'} MiB when 10000 were sent), PostgreSQL CPU ${results.nashra.pgCpuSeconds.toFixed(1)} s` +
          (results.nashra.other ? ` (and ${results.nashra.other} other messages, e.g. burst confirmations)` : ''),
      );
      if (!opts.full && opts.dkim) {
        // DKIM on, the same edition, one worker: every message signed (RSA-2048) before it enters the raw pool.
        await requeue();
        results.dkim = await send(1, dkimEnv, DKIM_SAMPLES);
        await verifyKept(results.dkim);
        if (!opts.large && results.dkim.received !== target)
          results.failures.push(`DKIM on: the sink counted ${results.dkim.received}, not ${target}`);
        log(
          `DKIM on: ${results.dkim.received} messages, ${results.dkim.rate.toFixed(0)} msg/s ` +
            `(${(results.dkim.rate / results.nashra.rate).toFixed(2)} of DKIM off), CPU ${results.dkim.cpuSeconds.toFixed(1)} s`,
        );
      }
      if (!opts.large && opts.twoWorkers) {
        // The same edition again, through two worker processes sharing the ledger.
        await requeue();
        results.twoWorkers = await send(2);
        if (results.twoWorkers.received !== target)
          results.failures.push(`two workers: the sink counted ${results.twoWorkers.received}, not ${target}`);
        log(
          `two workers: ${results.twoWorkers.received} messages, ${results.twoWorkers.rate.toFixed(0)} msg/s, CPU ${results.twoWorkers.cpuSeconds.toFixed(1)} s`,
        );
      }

      for (const mode of opts.compare ? ['naive', 'ceiling'] : []) {
        await sink.reset();
        const leg = await runLeg(mode, editionFile, sink, target, opts.pool);
        const legCounts = await sink.count();
        results[mode] = {
          ...sinkRate(legCounts),
          received: legCounts.received,
          cpuSeconds: leg.cpuSeconds,
          peakMiB: leg.maxRssMiB,
          pgCpuSeconds: 0,
        };
        if (legCounts.received !== target || leg.failed > 0) {
          results.failures.push(
            `${mode}: the sink counted ${legCounts.received}, not ${target} (${leg.failed} failed)`,
          );
        }
        log(
          `${mode}: ${legCounts.received} messages, ${results[mode].rate.toFixed(0)} msg/s, CPU ${leg.cpuSeconds.toFixed(1)} s`,
        );
      }
    }
    if (sink.kind === 'postfix') {
      // The yardstick: Postfix's C sender, the same number of messages of the same size, the same number of
      // connections (kept open) into the same smtp-sink. Its size: the edition's bodies and ~1 KiB of headers.
      // At most 100,000 messages: its rate is steady long before that.
      const bytes = Buffer.byteLength(render[0].html) + Buffer.byteLength(render[0].text) + 1024;
      const count = Math.min(target, 100_000);
      results.smtpSource = { ...(await runSmtpSource(sink.port, count, bytes, opts.pool)), received: count, bytes };
      log(
        `smtp-source: ${count} messages of ${bytes} bytes, ${results.smtpSource.rate.toFixed(0)} msg/s; ` +
          `nashra ÷ smtp-source ${((results.nashra ?? results.large).rate / results.smtpSource.rate).toFixed(2)}`,
      );
    }
  } finally {
    await stopApp(web).catch(() => undefined);
    sink.stop();
    await db?.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch((e) => log(`drop: ${e.message}`));
    await admin.end();
    rmSync(varDir, { recursive: true, force: true });
  }
  results.machine.loadAfter = proc.machine().load;
  printAndWrite(results, join(__dirname, 'RESULTS.md'));
  if (results.failures.length > 0) {
    console.error(`FAILED:\n- ${results.failures.join('\n- ')}`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
