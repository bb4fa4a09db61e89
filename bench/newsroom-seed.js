// A newsroom at scale, seeded with set-based SQL (one statement per table): N readers (statuses, frequencies
// and topic choices spread the way a real list looks), articles, `editions` sent editions plus one being sent
// with a ledger row per active reader, tracked links and clicks. Shared by npm run bench:newsroom and
// test/scale/page-plans.e2e-spec.ts. Every statement is plain SQL over generate_series: 50,000 readers and
// 200,000 ledger rows take a few seconds.
//
// { fast: true } (npm run bench:newsroom, ten million ledger rows) writes the ledger the way a restore would:
// its secondary indexes dropped and rebuilt after (one sort each instead of ten million index insertions), and its
// row triggers off for the insert (session_replication_role = replica: the foreign-key checks, whose rows are
// consistent by construction, and the kept-count trigger), then each edition's kept counts recounted in one
// GROUP BY, the same figures the trigger keeps (the nightly reconciliation, EditionCountsReconciliation, would
// find no drift). Needs a superuser (the bench's postgres). Readers, links and clicks keep their triggers
// (statement-level, one aggregate a statement). { audience: 'active' } gives each edition every active reader,
// daily or weekly (1,000,000 readers: 800,000 rows an edition, 10.4 million for 12 sent and one being sent);
// the default, active daily readers only.

const TOPICS = ['economy', 'politics', 'sport', 'culture', 'health', 'technology', 'syria', 'iraq'];

/** The statements, in order; run them on a migrated database. */
function seedStatements({ readers, editions = 3, fast = false, audience = 'daily' }) {
  const topicArray = `ARRAY[${TOPICS.map((t) => `'${t}'`).join(', ')}]`;
  const audienceFilter = audience === 'active' ? '' : ` AND s.frequency = 'daily'`;
  const ledgerOf = (
    editionFilter,
  ) => `INSERT INTO deliveries (edition_id, subscriber_id, status, attempts, sent_at, message_key)
     SELECT e.id, s.id,
            CASE WHEN e.status = 'sending' AND s.id % 4 = 0 THEN 'queued'
                 WHEN s.id % 100 < 2 THEN 'bounced' WHEN s.id % 100 < 3 THEN 'failed' ELSE 'sent' END,
            1, e.sending_started_at + make_interval(secs => (s.id % 600)::int), gen_random_uuid()
     FROM editions e CROSS JOIN subscribers s
     WHERE ${editionFilter} AND s.status = 'active'${audienceFilter}`;
  const ledger = ledgerOf(`e.key LIKE 'daily:scale-%'`);
  // One edition at a time, as a real ledger is written: an edition's rows side by side on disk.
  const ledgerByEdition = `DO $$ DECLARE ed bigint; BEGIN
       FOR ed IN SELECT id FROM editions WHERE key LIKE 'daily:scale-%' ORDER BY id LOOP
         ${ledgerOf('e.id = ed')};
       END LOOP;
     END $$`;
  // pg_indexes gives a partitioned table's index as `CREATE INDEX … ON ONLY deliveries`, which makes an empty,
  // invalid parent index and none on the partitions: without ONLY it is built on every partition (and valid).
  const ledgerStatements = fast
    ? [
        `CREATE TEMP TABLE seed_indexes AS
         SELECT indexname, indexdef FROM pg_indexes
         WHERE schemaname = current_schema() AND tablename = 'deliveries'
           AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'deliveries'::regclass)`,
        `DO $$ DECLARE i record; BEGIN
           FOR i IN SELECT indexname FROM seed_indexes LOOP EXECUTE format('DROP INDEX %I', i.indexname); END LOOP;
         END $$`,
        'SET session_replication_role = replica',
        ledgerByEdition,
        'SET session_replication_role = DEFAULT',
        `SET maintenance_work_mem = '256MB'`,
        `DO $$ DECLARE i record; BEGIN
           FOR i IN SELECT indexdef FROM seed_indexes LOOP EXECUTE replace(i.indexdef, ' ON ONLY ', ' ON '); END LOOP;
         END $$`,
        'RESET maintenance_work_mem',
        'DROP TABLE seed_indexes',
        `INSERT INTO edition_counts AS c (edition_id, queued, sending, sent, failed, bounced, skipped, last_sent_at)
         SELECT edition_id, count(*) FILTER (WHERE status = 'queued'), count(*) FILTER (WHERE status = 'sending'),
                count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed'),
                count(*) FILTER (WHERE status = 'bounced'), count(*) FILTER (WHERE status = 'skipped'),
                max(sent_at) FILTER (WHERE status = 'sent')
         FROM deliveries GROUP BY edition_id
         ON CONFLICT (edition_id) DO UPDATE SET queued = EXCLUDED.queued, sending = EXCLUDED.sending,
           sent = EXCLUDED.sent, failed = EXCLUDED.failed, bounced = EXCLUDED.bounced, skipped = EXCLUDED.skipped,
           last_sent_at = EXCLUDED.last_sent_at`,
      ]
    : [ledger];
  return [
    `INSERT INTO topics (key, name) SELECT t, t FROM unnest(${topicArray}) AS t ON CONFLICT DO NOTHING`,
    // Reader i: 80 % active, 8 % pending, 8 % unsubscribed, 3 % bounced, 1 % complained; 85 % daily; a third
    // follow no topic (everything), the rest one or two topics; signed up over the last 120 days.
    `INSERT INTO subscribers (email, email_key, status, frequency, topics, locale, created_at, confirmed_at,
                              unsubscribed_at)
     SELECT 'reader' || i || '@site' || (i % 97) || '.example.org', 'reader' || i || '@site' || (i % 97) || '.example.org',
            s.status, CASE WHEN i % 100 < 85 THEN 'daily' ELSE 'weekly' END,
            CASE WHEN i % 3 = 0 THEN '{}'::text[]
                 WHEN i % 3 = 1 THEN ARRAY[(${topicArray})[1 + i % 8]]
                 ELSE ARRAY[(${topicArray})[1 + i % 8], (${topicArray})[1 + (i / 8) % 8]] END,
            'ar', now() - make_interval(mins => ((i::bigint * 7919) % (120 * 1440))::int), now(),
            CASE WHEN s.status = 'unsubscribed' THEN now() - make_interval(mins => ((i::bigint * 104729) % (30 * 1440))::int) END
     FROM generate_series(1, ${Number(readers)}) AS i
     CROSS JOIN LATERAL (SELECT CASE WHEN i % 100 < 80 THEN 'active' WHEN i % 100 < 88 THEN 'pending'
                                     WHEN i % 100 < 96 THEN 'unsubscribed' WHEN i % 100 < 99 THEN 'bounced'
                                     ELSE 'complained' END AS status) s`,
    `INSERT INTO articles (url, guid, title, summary, published_at, topics, source)
     SELECT 'https://www.example.net/scale/' || i, 'scale-' || i, 'مقال رقم ' || i, 'ملخص', now() - make_interval(hours => i),
            ARRAY[(${topicArray})[1 + i % 8]], 'feed'
     FROM generate_series(1, 10) AS i`,
    `INSERT INTO editions (key, frequency, window_from, window_to, article_ids, subject, status, triggered_by,
                           sending_started_at, sent_at, created_at)
     SELECT 'daily:scale-' || e, 'daily', now() - make_interval(days => e + 1), now() - make_interval(days => e),
            ARRAY(SELECT id FROM articles WHERE guid LIKE 'scale-%' ORDER BY id LIMIT 5), 'نشرة اليوم ' || e,
            CASE WHEN e = 0 THEN 'sending' ELSE 'sent' END, 'scale',
            now() - make_interval(days => e), CASE WHEN e > 0 THEN now() - make_interval(days => e) END,
            now() - make_interval(days => e)
     FROM generate_series(0, ${Number(editions)}) AS e`,
    // Sent editions: 97 % sent, 2 % bounced, 1 % failed; the one being sent: a quarter still queued.
    ...ledgerStatements,
    `INSERT INTO edition_links (edition_id, link_index, article_id, topics, target_url)
     SELECT e.id, l, e.article_ids[l], ARRAY[(${topicArray})[1 + l % 8]], 'https://www.example.net/scale/' || l
     FROM editions e CROSS JOIN generate_series(1, 5) AS l WHERE e.key LIKE 'daily:scale-%'`,
    // One reader in 20 clicks one link of each sent edition, within two days of its sending.
    `INSERT INTO clicks (delivery_id, link_index, edition_id, subscriber_id, clicked_at)
     SELECT d.id, 1 + d.subscriber_id % 5, d.edition_id, d.subscriber_id,
            e.sending_started_at + make_interval(mins => (d.subscriber_id % 2880)::int)
     FROM deliveries d JOIN editions e ON e.id = d.edition_id
     WHERE e.key LIKE 'daily:scale-%' AND d.status = 'sent' AND d.subscriber_id % 20 = 0`,
    // As autovacuum would have by now: the trigram index's pending entries merged, statistics fresh.
    'VACUUM ANALYZE',
  ];
}

module.exports = { seedStatements, TOPICS };
