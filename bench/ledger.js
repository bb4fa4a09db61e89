// The bench's SQL: set-based inserts of readers and articles, and EXPLAIN of the worker's claim and write-back.
// CLAIM_SQL and WRITE_BACK_SQL are copies of DeliveryRepository.claim / writeBack (src/delivery/delivery.repository.ts);
// keep them in step when those change. Every EXPLAIN ANALYZE runs in a transaction that is rolled back.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const CLAIM_SQL = `WITH claimable AS (
         SELECT d.id
         FROM deliveries d
         WHERE d.edition_id = ANY($3::bigint[])
           AND ((d.status = 'queued' AND d.next_attempt_at <= clock_timestamp())
             OR (d.status = 'sending' AND d.lease_expires_at < clock_timestamp()))
         ORDER BY d.id
         LIMIT $1
         FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE deliveries d
         SET status = 'sending', attempts = d.attempts + 1,
             lease_expires_at = clock_timestamp() + make_interval(secs => $2), updated_at = clock_timestamp()
         WHERE d.id = ANY(ARRAY(SELECT id FROM claimable))
         RETURNING d.id, d.edition_id, d.subscriber_id, d.segment_key, d.attempts, d.message_key
       )
       SELECT c.id::text, c.edition_id::text, c.subscriber_id::text, c.segment_key, c.attempts, c.message_key::text,
              s.email, s.status AS subscriber_status
       FROM claimed c JOIN subscribers s ON s.id = c.subscriber_id
       ORDER BY c.id`;

// The claim as it would serve a ledger where other editions' unfinished rows come first (a paused edition, retries
// not yet due): one index walk per edition over ix_deliveries_pending_edition, each stopping after $1 rows.
const PER_EDITION_CLAIM_SQL = `WITH claimable AS (
         SELECT p.id
         FROM unnest($3::bigint[]) AS e(id)
         CROSS JOIN LATERAL (
           SELECT d.id
           FROM deliveries d
           WHERE d.edition_id = e.id AND d.status IN ('queued', 'sending')
             AND ((d.status = 'queued' AND d.next_attempt_at <= clock_timestamp())
               OR (d.status = 'sending' AND d.lease_expires_at < clock_timestamp()))
           ORDER BY d.id
           LIMIT $1
           FOR UPDATE OF d SKIP LOCKED
         ) p
         ORDER BY p.id
         LIMIT $1
       )
       SELECT count(*) FROM claimable WHERE $2::int IS NOT NULL`;

const WRITE_BACK_SQL = `WITH r AS (
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[])
           AS r(id, status, error, message_id, retry_seconds, attempts_delta)
       ), updated AS (
         UPDATE deliveries d
         SET status = r.status,
             lease_expires_at = NULL,
             last_error = CASE WHEN r.attempts_delta < 0 THEN d.last_error ELSE r.error END,
             message_id = coalesce(r.message_id, d.message_id),
             sent_at = CASE WHEN r.status = 'sent' THEN clock_timestamp() ELSE d.sent_at END,
             next_attempt_at = CASE WHEN r.retry_seconds IS NULL THEN d.next_attempt_at
                                    ELSE clock_timestamp() + make_interval(secs => r.retry_seconds) END,
             attempts = d.attempts + r.attempts_delta,
             updated_at = clock_timestamp()
         FROM r
         WHERE d.id = ANY($1::bigint[]) AND d.id = r.id AND d.status = 'sending'
         RETURNING d.subscriber_id, d.status
       )
       SELECT DISTINCT subscriber_id::text FROM updated WHERE status = 'bounced'`;

/** N active daily readers with no topic preference (so every one gets the whole edition), in one statement. */
async function insertReaders(db, n) {
  const started = Date.now();
  await db.query(
    `INSERT INTO subscribers (email, email_key, status, frequency, topics, locale, confirmed_at)
     SELECT 'reader' || g || '@example.org', 'reader' || g || '@example.org', 'active', 'daily', '{}', 'ar', now()
     FROM generate_series(1, $1::int) AS g`,
    [n],
  );
  await db.query('ANALYZE subscribers');
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

/** EXPLAIN (ANALYZE, BUFFERS) of one claim of `limit` rows, rolled back (perEdition: the proposed form's claimable part). */
async function explainClaim(db, editionId, limit = 200, perEdition = false) {
  await db.query('BEGIN');
  try {
    const sql = perEdition ? PER_EDITION_CLAIM_SQL : CLAIM_SQL;
    const plan = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, [limit, 300, [editionId]]);
    return planText(plan.rows);
  } finally {
    await db.query('ROLLBACK');
  }
}

/** The claim's plan with only `pending` rows left unfinished (the others marked sent inside a rolled-back transaction). */
async function explainClaimAtPending(db, editionId, pending, limit = 200) {
  await db.query('BEGIN');
  try {
    await db.query(
      `UPDATE deliveries SET status = 'sent' WHERE edition_id = $1 AND status = 'queued'
       AND id > (SELECT id FROM deliveries WHERE edition_id = $1 AND status = 'queued' ORDER BY id OFFSET $2 LIMIT 1)`,
      [editionId, pending - 1],
    );
    await db.query('ANALYZE deliveries');
    const plan = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${CLAIM_SQL}`, [limit, 300, [editionId]]);
    return planText(plan.rows);
  } finally {
    await db.query('ROLLBACK');
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of the write-back of one claimed batch (all sent), rolled back. */
async function explainWriteBack(db, editionId, limit = 200) {
  await db.query('BEGIN');
  try {
    const claimed = (await db.query(CLAIM_SQL, [limit, 300, [editionId]])).rows;
    const ids = claimed.map((r) => r.id);
    const plan = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${WRITE_BACK_SQL}`, [
      ids,
      ids.map(() => 'sent'),
      ids.map(() => null),
      ids.map((id) => `<${id}@bench>`),
      ids.map(() => null),
      ids.map(() => 0),
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
