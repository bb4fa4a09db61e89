import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { returnedRows } from '../database/returning';

/** The transport_status table's SQL: one row per transport, in database time. */
export interface TransportStatusRow {
  reachable: boolean;
  since: Date | null;
  nextTryAt: Date | null;
  lastError: string | null;
  /** Seconds until next_try_at (negative when past, null when reachable). */
  waitSeconds: number | null;
}

@Injectable()
export class TransportStatusRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records a connection failure. The first failure of an outage starts it; a failure after the next try was
   * due doubles the wait (base × 2^failures, capped); failures while a wait is running (other messages of the
   * same moment, other workers) leave it as it is. Returns the seconds until the next try.
   */
  async markUnreachable(name: string, error: string, baseSeconds: number, maxSeconds: number): Promise<number> {
    const [row] = returnedRows<{ wait: number }>(
      await this.dataSource.query(
        `INSERT INTO transport_status AS t (name, reachable, unreachable_since, next_try_at, failures, last_error)
       VALUES ($1, false, clock_timestamp(), clock_timestamp() + make_interval(secs => $3::float8), 1, $2)
       ON CONFLICT (name) DO UPDATE SET
         reachable = false,
         unreachable_since = CASE WHEN t.reachable THEN clock_timestamp() ELSE t.unreachable_since END,
         failures = CASE WHEN t.reachable THEN 1
                         WHEN t.next_try_at <= clock_timestamp() THEN t.failures + 1
                         ELSE t.failures END,
         next_try_at = CASE
           WHEN NOT t.reachable AND t.next_try_at > clock_timestamp() THEN t.next_try_at
           ELSE clock_timestamp() + make_interval(
             secs => least($4::float8, $3::float8 * 2 ^ (CASE WHEN t.reachable THEN 0 ELSE least(t.failures, 30) END)))
         END,
         last_error = $2,
         updated_at = clock_timestamp()
       RETURNING extract(epoch FROM next_try_at - clock_timestamp())::float8 AS wait`,
        [name, error, baseSeconds, maxSeconds],
      ),
    );
    return Math.max(0, Number(row.wait));
  }

  /** Ends an outage; true when there was one. */
  async markReachable(name: string): Promise<boolean> {
    const rows = returnedRows(
      await this.dataSource.query(
        `UPDATE transport_status
       SET reachable = true, unreachable_since = NULL, next_try_at = NULL, failures = 0, updated_at = clock_timestamp()
       WHERE name = $1 AND NOT reachable
       RETURNING name`,
        [name],
      ),
    );
    return rows.length > 0;
  }

  async get(name: string): Promise<TransportStatusRow> {
    const [row]: Array<{
      reachable: boolean;
      since: Date | null;
      next_try_at: Date | null;
      last_error: string | null;
      wait: number | null;
    }> = await this.dataSource.query(
      `SELECT reachable, unreachable_since AS since, next_try_at, last_error,
              extract(epoch FROM next_try_at - clock_timestamp())::float8 AS wait
       FROM transport_status WHERE name = $1`,
      [name],
    );
    if (!row || row.reachable) {
      return { reachable: true, since: null, nextTryAt: null, lastError: null, waitSeconds: null };
    }
    return {
      reachable: false,
      since: row.since,
      nextTryAt: row.next_try_at,
      lastError: row.last_error,
      waitSeconds: row.wait === null ? null : Number(row.wait),
    };
  }
}
