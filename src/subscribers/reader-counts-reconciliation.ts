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
  /** `status/frequency/{topics}` (reader_counts) or `flow:signups|unsubscribes:<quarter ISO>` (reader_flow). */
  key: string;
  kept: number;
  counted: number;
}

/** A reader's topics as reader_counts keys them (as in migration KeptCounts). */
const TOPIC_SET = `ARRAY(SELECT DISTINCT t FROM unnest(topics) AS t ORDER BY t)`;
const QUARTER = (column: string) => `date_bin('15 minutes', ${column}, timestamptz '2000-01-01 00:00Z')`;

/**
 * Every night, recounts readers per (status, frequency) and sign-ups / unsubscribes per quarter hour, and
 * compares them with the kept counts (reader_counts, reader_flow) the subscribers table's triggers maintain. A
 * drift is logged and the kept tables rebuilt under a SHARE lock (sign-ups wait about a second at a million
 * readers, once, on a night something went wrong). Not yet per newsletter: the counts are per status and
 * frequency only.
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
         ), kept AS (
           SELECT status || '/' || frequency || '/' || topics::text AS key, sum(n) AS n FROM reader_counts GROUP BY 1
           UNION ALL
           SELECT 'flow:signups:' || to_char(quarter AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'), sum(signups)
           FROM reader_flow GROUP BY quarter
           UNION ALL
           SELECT 'flow:unsubscribes:' || to_char(quarter AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'),
                  sum(unsubscribes)
           FROM reader_flow GROUP BY quarter
         )
         SELECT coalesce(k.key, c.key) AS key, coalesce(k.n, 0)::int AS kept, coalesce(c.n, 0)::int AS counted
         FROM kept k FULL JOIN counted c ON c.key = k.key
         WHERE coalesce(k.n, 0) <> coalesce(c.n, 0)
         ORDER BY 1`,
      );
      if (found.length === 0) {
        return found;
      }
      await manager.query('LOCK TABLE subscribers IN SHARE MODE');
      await manager.query('DELETE FROM reader_counts');
      await manager.query('DELETE FROM reader_flow');
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
