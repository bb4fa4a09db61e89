import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Frequency, SubscriberStatus } from './subscriber.entity';

export interface ReaderCounts {
  total: number;
  byStatus: Record<SubscriberStatus, number>;
  /** Active readers by how often they get the digest. */
  activeByFrequency: Record<Frequency, number>;
}

export interface ReaderDay {
  /** YYYY-MM-DD in the given time zone. */
  day: string;
  signups: number;
  unsubscribes: number;
}

const STATUSES: SubscriberStatus[] = ['active', 'pending', 'unsubscribed', 'bounced', 'complained'];

/** Read-only numbers about readers, for the newsroom's dashboard. */
@Injectable()
export class ReaderStats {
  constructor(private readonly dataSource: DataSource) {}

  async counts(): Promise<ReaderCounts> {
    const rows = (await this.dataSource.query(
      // Kept by the subscribers table's triggers in the statement that changes a reader (migration KeptCounts).
      `SELECT status, frequency, sum(n)::int AS n FROM reader_counts GROUP BY status, frequency HAVING sum(n) <> 0`,
    )) as { status: SubscriberStatus; frequency: Frequency; n: number }[];
    const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<SubscriberStatus, number>;
    const activeByFrequency: Record<Frequency, number> = { daily: 0, weekly: 0 };
    for (const row of rows) {
      byStatus[row.status] = (byStatus[row.status] ?? 0) + row.n;
      if (row.status === 'active') {
        activeByFrequency[row.frequency] = (activeByFrequency[row.frequency] ?? 0) + row.n;
      }
    }
    return { total: rows.reduce((sum, r) => sum + r.n, 0), byStatus, activeByFrequency };
  }

  /** Sign-ups and unsubscribes per calendar day in `timeZone`, the last `days` days up to `now`, oldest first. */
  async perDay(days: number, timeZone: string, now: Date): Promise<ReaderDay[]> {
    return (await this.dataSource.query(
      `WITH days AS (
         SELECT to_char(d, 'YYYY-MM-DD') AS day
         FROM generate_series(($2::timestamptz AT TIME ZONE $1)::date - ($3::int - 1), ($2::timestamptz AT TIME ZONE $1)::date, interval '1 day') d
       ),
       -- reader_flow: sign-ups and unsubscribes per quarter hour (UTC), kept by the subscribers table's triggers.
       flow AS (
         SELECT to_char(quarter AT TIME ZONE $1, 'YYYY-MM-DD') AS day, sum(signups)::int AS signups,
                sum(unsubscribes)::int AS unsubscribes
         FROM reader_flow
         WHERE quarter > $2::timestamptz - make_interval(days => $3 + 1) GROUP BY 1
       )
       SELECT days.day, coalesce(f.signups, 0) AS signups, coalesce(f.unsubscribes, 0) AS unsubscribes
       FROM days LEFT JOIN flow f USING (day)
       ORDER BY days.day`,
      [timeZone, now.toISOString(), days],
    )) as ReaderDay[];
  }
}
