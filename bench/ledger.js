// The bench's SQL: set-based inserts of readers and articles, and EXPLAIN of the worker's claim and write-back.
// CLAIM_SQL and WRITE_BACK_SQL are DeliveryRepository's own (src/delivery/delivery.repository.ts, built to dist/).
// Every EXPLAIN ANALYZE runs in a transaction that is rolled back.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

// The worker's own statements, from the build (run.js builds first), so the plans shown are of the SQL that runs.
function sql() {
  return require(join(__dirname, '..', 'dist', 'src', 'delivery', 'delivery.repository.js'));
}

/**
 * N active daily readers with no topic preference (so every one gets the whole edition), subscribed to the daily
 * digest and the breaking alerts as every reader was after the Newsletters migration, in one statement.
 */
async function insertReaders(db, n) {
  const started = Date.now();
  await db.query(
    `WITH readers AS (
       INSERT INTO subscribers (email, email_key, status, frequency, topics, locale, confirmed_at)
       SELECT 'reader' || g || '@example.org', 'reader' || g || '@example.org', 'active', 'daily', '{}', 'ar', now()
       FROM generate_series(1, $1::int) AS g
       RETURNING id
     )
     INSERT INTO subscriptions (subscriber_id, newsletter_id, status)
     SELECT r.id, n.id, 'active' FROM readers r JOIN newsletters n ON n.slug IN ('daily', 'breaking')`,
    [n],
  );
  await db.query('ANALYZE subscribers');
  await db.query('ANALYZE subscriptions');
  return (Date.now() - started) / 1000;
}

/** Ten articles cut from test/fixtures/article-ar.txt: a title and lead paragraphs each, published just now. */
async function insertArticles(db, root) {
  const lines = readFileSync(join(root, 'test', 'fixtures', 'article-ar.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const title = lines[0];
  const body = lines.slice(1, 8);
  const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  for (let i = 0; i < 10; i++) {
    await db.query(
      `INSERT INTO articles (url, guid, title, summary, body_html, published_at, topics, source)
       VALUES ($1, $1, $2, $3, $4, now() - make_interval(mins => $5), '{}', 'feed')`,
      [
        `https://www.example.net/article/${i + 1}`,
        `${i + 1}. ${title}`,
        body[0].slice(0, 300),
        body.map((p) => `<p>${escape(p)}</p>`).join('\n'),
        i + 1,
      ],
    );
  }
}

function planText(rows) {
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** How many times each claim is explained: one sample swings with whatever PostgreSQL does beside it. */
const CLAIM_RUNS = 5;

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the claim, CLAIM_RUNS times, each rolled back to a savepoint so every run
 * claims the same rows from the same state: the median run's plan, and every run's execution time.
 */
async function explainClaimRuns(db, params) {
  const runs = [];
  for (let i = 0; i < CLAIM_RUNS; i++) {
    await db.query('SAVEPOINT claim_run');
    const plan = planText((await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql().CLAIM_SQL}`, params)).rows);
    await db.query('ROLLBACK TO SAVEPOINT claim_run');
    runs.push({ plan, ms: executionMs(plan) });
  }
  const sorted = runs.slice().sort((a, b) => a.ms - b.ms);
  return { plan: sorted[Math.floor(sorted.length / 2)].plan, times: runs.map((r) => r.ms) };
}

/** The claim of `limit` rows at the front of the edition (cursor 0), rolled back. */
async function explainClaim(db, editionId, limit = 200) {
  await db.query('BEGIN');
  try {
    return await explainClaimRuns(db, [limit, 300, [editionId], ['0'], 0]);
  } finally {
    await db.query('ROLLBACK');
  }
}

/** The claim with only the last `pending` rows left unfinished (the others marked sent inside a rolled-back transaction). */
async function explainClaimAtPending(db, editionId, pending, limit = 200) {
  await db.query('BEGIN');
  try {
    const sent = await db.query(
      // The first rows sent, as a send leaves them: a claim that walked past sent rows would show it here.
      `UPDATE deliveries SET status = 'sent' WHERE edition_id = $1 AND status = 'queued'
       AND id < (SELECT id FROM deliveries WHERE edition_id = $1 AND status = 'queued' ORDER BY id DESC OFFSET $2 LIMIT 1)
       RETURNING id`,
      [editionId, pending - 1],
    );
    await db.query('ANALYZE deliveries');
    // The worker's cursor (ClaimCursor) stands after the last row it claimed: the last one sent.
    const after = sent.rows.reduce((max, r) => (BigInt(r.id) > max ? BigInt(r.id) : max), 0n).toString();
    return await explainClaimRuns(db, [limit, 300, [editionId], [after], 0]);
  } finally {
    await db.query('ROLLBACK');
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of the write-back of one claimed batch (all sent), rolled back. */
async function explainWriteBack(db, editionId, limit = 200) {
  await db.query('BEGIN');
  try {
    const claimed = (await db.query(sql().CLAIM_SQL, [limit, 300, [editionId], ['0'], 0])).rows;
    const ids = claimed.map((r) => r.id);
    const plan = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql().WRITE_BACK_SQL}`, [
      ids,
      ids.map(() => 'sent'),
      ids.map(() => null),
      ids.map((id) => `<${id}@bench>`),
      ids.map(() => null),
      ids.map(() => 0),
      [editionId],
    ]);
    return planText(plan.rows);
  } finally {
    await db.query('ROLLBACK');
  }
}

/** "Execution Time: 1.234 ms" → 1.234 */
function executionMs(plan) {
  return Number((/Execution Time: ([\d.]+) ms/.exec(plan) || [])[1]);
}

/**
 * How the claim finds its rows: the scan under `CTE claimable`, and how many rows it read (returned + removed by
 * its filter) and whether a Sort sits above it. "walks <index>, reads 200 rows" is a claim that stops after its batch.
 */
function claimScan(plan) {
  const lines = plan.split('\n');
  const from = lines.findIndex((l) => /CTE claimable/.test(l));
  const to = lines.findIndex((l, i) => i > from && /CTE claimed/.test(l));
  const part = lines.slice(from < 0 ? 0 : from, to < 0 ? undefined : to);
  const scanAt = part.findIndex((l) => /(Index|Seq|Bitmap Heap) Scan/.test(l));
  if (scanAt < 0) return 'no scan found';
  const scan = part[scanAt];
  const [, rows, loops] = /actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)/.exec(scan) || [0, 0, 1];
  const removedLine = part.slice(scanAt + 1).find((l) => /Rows Removed by Filter/.test(l));
  const removed = removedLine ? Number(/Rows Removed by Filter: (\d+)/.exec(removedLine)[1]) : 0;
  const how = (/(Index Scan using \S+|Seq Scan|Bitmap Heap Scan)/.exec(scan) || ['?'])[0];
  const sort = part.slice(0, scanAt).find((l) => /Sort {2}|-> {2}Sort|^\s*Sort/.test(l));
  const sortRows = sort ? (/actual time=[\d.]+\.\.[\d.]+ rows=(\d+)/.exec(sort) || [])[1] : null;
  return `${how}, reads ${Number(rows) * Number(loops) + removed} rows${sort ? `, then sorts (${sortRows} out)` : ''}`;
}

module.exports = {
  insertReaders,
  insertArticles,
  explainClaim,
  explainClaimAtPending,
  explainWriteBack,
  executionMs,
  claimScan,
};
