import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NightlyRecount } from '../common/nightly-recount';
import { AppConfig } from '../config/app-config';
import { LOCK_KEYS, tryTransactionLock } from '../database/advisory-lock';

export const READER_COUNTS_RECONCILIATION_NAME = 'reader-counts-reconciliation';
/** 03:25 in TIMEZONE, beside the ledger's recount. */
const RECONCILIATION_CRON = '25 3 * * *';

/** One kept figure that differed from the table at the nightly recount. */
export interface ReaderCountDrift {
  /**
   * `status/frequency/{topics}` (reader_counts), `flow:signups|unsubscribes:<quarter ISO>` (reader_flow) or
   * `newsletter:<slug>/<reader status>/<subscription status>/{topics}` (newsletter_reader_counts).
   */
  key: string;
  kept: number;
  counted: number;
}

/** A reader's topics as reader_counts keys them (as in migration KeptCounts). */
const TOPIC_SET = `ARRAY(SELECT DISTINCT t FROM unnest(topics) AS t ORDER BY t)`;
/** Subscriptions per newsletter, reader's state, subscription's state and topics (migration NewsletterReaderCounts). */
const NEWSLETTER_COUNTED = `
  SELECT sub.newsletter_id, s.status AS reader_status, sub.status,
         ARRAY(SELECT DISTINCT t FROM unnest(s.topics) AS t ORDER BY t) AS topics, count(*) AS n
    FROM subscriptions sub JOIN subscribers s ON s.id = sub.subscriber_id
   GROUP BY 1, 2, 3, 4`;
const NEWSLETTER_KEY = (alias: string) =>
  `'newsletter:' || (SELECT slug FROM newsletters WHERE id = ${alias}.newsletter_id) || '/' ||
   ${alias}.reader_status || '/' || ${alias}.status || '/' || ${alias}.topics::text`;
const QUARTER = (column: string) => `date_bin('15 minutes', ${column}, timestamptz '2000-01-01 00:00Z')`;

/**
 * Every night, recounts readers per (status, frequency), subscriptions per (newsletter, states, topics) and
 * sign-ups / unsubscribes per quarter hour, and compares them with the kept counts (reader_counts, reader_flow,
 * newsletter_reader_counts) the subscribers' and subscriptions' triggers maintain. A
 * drift is logged and the kept tables rebuilt under a SHARE lock (sign-ups wait about a second at a million
 * readers, once, on a night something went wrong). Readers per newsletter (newsletter_reader_counts, kept by the
 * subscriptions' triggers) are recounted and rebuilt the same way.
 */
@Injectable()
export class ReaderCountsReconciliation extends NightlyRecount<ReaderCountDrift> {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    scheduler: SchedulerRegistry,
    config: AppConfig,
  ) {
    super(
      {
        name: READER_COUNTS_RECONCILIATION_NAME,
        cron: RECONCILIATION_CRON,
        what: 'Reader counts',
        unit: 'figure(s)',
        describe: (d) => `Reader count ${d.key}: kept ${d.kept}, counted ${d.counted}; corrected`,
      },
      scheduler,
      config,
    );
  }

  protected recount(): Promise<ReaderCountDrift[] | null> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await tryTransactionLock(manager, { space: LOCK_KEYS.countsReconciliation, name: 'readers' }))) {
        return null;
      }
      const found: ReaderCountDrift[] = await manager.query(
        `WITH counted AS (
           SELECT status || '/' || frequency || '/' || ${TOPIC_SET}::text AS key, count(*) AS n
           FROM subscribers GROUP BY 1
           UNION ALL
           SELECT 'flow:signups:' || to_char(q AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'), count(*)
           FROM (SELECT ${QUARTER('created_at')} AS q FROM subscribers) s GROUP BY q
           UNION ALL
           SELECT 'flow:unsubscribes:' || to_char(q AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'), count(*)
           FROM (SELECT ${QUARTER('unsubscribed_at')} AS q FROM subscribers WHERE unsubscribed_at IS NOT NULL) s
           GROUP BY q
           UNION ALL
           SELECT ${NEWSLETTER_KEY('c')}, c.n FROM (${NEWSLETTER_COUNTED}) c
         ), kept AS (
           SELECT status || '/' || frequency || '/' || topics::text AS key, sum(n) AS n FROM reader_counts GROUP BY 1
           UNION ALL
           SELECT 'flow:signups:' || to_char(quarter AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'), sum(signups)
           FROM reader_flow GROUP BY quarter
           UNION ALL
           SELECT 'flow:unsubscribes:' || to_char(quarter AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'),
                  sum(unsubscribes)
           FROM reader_flow GROUP BY quarter
           UNION ALL
           SELECT ${NEWSLETTER_KEY('k')}, k.n
           FROM (SELECT newsletter_id, reader_status, status, topics, sum(n) AS n FROM newsletter_reader_counts
                 GROUP BY 1, 2, 3, 4) k
         )
         SELECT coalesce(k.key, c.key) AS key, coalesce(k.n, 0)::int AS kept, coalesce(c.n, 0)::int AS counted
         FROM kept k FULL JOIN counted c ON c.key = k.key
         WHERE coalesce(k.n, 0) <> coalesce(c.n, 0)
         ORDER BY 1`,
      );
      if (found.length === 0) {
        return found;
      }
      await manager.query('LOCK TABLE subscribers, subscriptions IN SHARE MODE');
      await manager.query('DELETE FROM reader_counts');
      await manager.query('DELETE FROM reader_flow');
      await manager.query('DELETE FROM newsletter_reader_counts');
      await manager.query(
        `INSERT INTO newsletter_reader_counts (newsletter_id, reader_status, status, topics, shard, n)
         SELECT newsletter_id, reader_status, status, topics, 0, n FROM (${NEWSLETTER_COUNTED}) c`,
      );
      await manager.query(
        `INSERT INTO reader_counts (status, frequency, topics, shard, n)
         SELECT status, frequency, ${TOPIC_SET}, 0, count(*) FROM subscribers GROUP BY 1, 2, 3`,
      );
      await manager.query(
        `INSERT INTO reader_flow (quarter, shard, signups, unsubscribes)
         SELECT quarter, 0, sum(signups), sum(unsubscribes) FROM (
           SELECT ${QUARTER('created_at')} AS quarter, 1 AS signups, 0 AS unsubscribes FROM subscribers
           UNION ALL
           SELECT ${QUARTER('unsubscribed_at')}, 0, 1 FROM subscribers WHERE unsubscribed_at IS NOT NULL
         ) q GROUP BY quarter`,
      );
      return found;
    });
  }
}
