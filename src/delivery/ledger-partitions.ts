import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { errorMessage } from '../common/error-message';

/**
 * Editions per ledger partition (migration PartitionedLedger uses the same width: the partitions it made and
 * the ones made here line up). A daily digest and a few alerts a day fill one in one to three weeks.
 */
export const LEDGER_PARTITION_EDITIONS = 32;
/** How long creating a partition may wait for the ledger's lock before giving up (the next call tries again). */
const CREATE_LOCK_TIMEOUT = '3s';
/** How long dropping one may wait: sending waits behind the DETACH while it holds the lock. */
const DROP_LOCK_TIMEOUT = '5s';
const NAME = /^deliveries_editions_(\d+)_(\d+)$/;

/** A partition of the ledger holding editions first…last. */
export interface LedgerPartition {
  name: string;
  first: string;
  last: string;
}

/** A partition dropped: the editions it held rows of, and those rows (their kept counts). */
export interface DroppedPartition extends LedgerPartition {
  editions: number;
  rows: number;
}

function partitionOf(block: bigint): LedgerPartition {
  const width = BigInt(LEDGER_PARTITION_EDITIONS);
  const first = block * width;
  const last = first + width - 1n;
  return { name: `deliveries_editions_${first}_${last}`, first: String(first), last: String(last) };
}

/**
 * The ledger's partitions (deliveries is partitioned by RANGE (edition_id), see migration PartitionedLedger):
 * made ahead, before an edition's audience is queued (its partition and the next one), and dropped whole once
 * every edition in one has expired (DeliveryRetention). A partition that cannot be made (the ledger's lock is
 * busy) is not an error: the rows go to the DEFAULT partition, which the retention's row-by-row path cleans, and
 * the next queueing tries again. The DEFAULT partition is never dropped.
 */
@Injectable()
export class LedgerPartitions implements OnApplicationBootstrap {
  private readonly logger = new Logger(LedgerPartitions.name);
  /** Partitions known to exist (made or seen here): the common case costs no query. */
  private readonly known = new Set<string>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    // The newest edition's partition and the next, whatever happened while no instance ran.
    const [row]: Array<{ id: string | null }> = await this.dataSource.query(
      `SELECT max(edition_id)::text AS id FROM edition_counts`,
    );
    if (row?.id) {
      await this.ensureFor(row.id);
    }
  }

  /** Makes the partition of this edition and the next one, if missing. Never throws. */
  async ensureFor(editionId: string): Promise<void> {
    const block = BigInt(editionId) / BigInt(LEDGER_PARTITION_EDITIONS);
    for (const partition of [partitionOf(block), partitionOf(block + 1n)]) {
      if (this.known.has(partition.name)) {
        continue;
      }
      try {
        await this.create(partition);
        this.known.add(partition.name);
      } catch (err) {
        this.logger.warn(
          `Ledger partition ${partition.name} not made (its rows go to deliveries_default for now): ${errorMessage(err)}`,
        );
      }
    }
  }

  private async create(partition: LedgerPartition): Promise<void> {
    if (await this.exists(this.dataSource, partition.name)) {
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL lock_timeout = '${CREATE_LOCK_TIMEOUT}'`);
      // Another instance may make it between the check and here.
      await manager.query(
        `CREATE TABLE IF NOT EXISTS "${partition.name}" PARTITION OF deliveries
         FOR VALUES FROM (${partition.first}) TO (${BigInt(partition.last) + 1n})`,
      );
    });
    this.logger.log(`Ledger partition ${partition.name} made (editions ${partition.first}–${partition.last})`);
  }

  private async exists(db: Pick<DataSource, 'query'>, name: string): Promise<boolean> {
    const [row]: Array<{ found: boolean }> = await db.query(
      `SELECT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                      WHERE i.inhparent = 'deliveries'::regclass AND c.relname = $1) AS found`,
      [name],
    );
    return row.found;
  }

  /**
   * Partitions every edition of which has expired (edition_counts.rows_expired_at set: finished, its counts
   * final), that newer editions have left behind (an edition with rows exists past its range, so no new edition
   * lands in it), oldest first.
   */
  async expired(): Promise<LedgerPartition[]> {
    const rows: Array<{ name: string }> = await this.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'deliveries'::regclass ORDER BY c.relname`,
    );
    const partitions = rows
      .map((r) => NAME.exec(r.name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[0], first: m[1], last: m[2] }))
      .sort((a, b) => (BigInt(a.first) < BigInt(b.first) ? -1 : 1));
    const expired: LedgerPartition[] = [];
    for (const p of partitions) {
      if (await this.allExpired(this.dataSource, p)) {
        expired.push(p);
      }
    }
    return expired;
  }

  private async allExpired(db: Pick<DataSource, 'query'>, p: LedgerPartition): Promise<boolean> {
    const [row]: Array<{ ok: boolean }> = await db.query(
      `SELECT NOT EXISTS (SELECT 1 FROM edition_counts
                          WHERE edition_id BETWEEN $1 AND $2 AND rows_expired_at IS NULL)
              AND EXISTS (SELECT 1 FROM edition_counts WHERE edition_id > $2) AS ok`,
      [p.first, p.last],
    );
    return row.ok;
  }

  /**
   * Detaches and drops a partition whose editions have all expired: what references its rows (clicks, opens,
   * report marks: per-reader rows of the same editions, their aggregates kept elsewhere) goes first, as the
   * foreign keys' ON DELETE CASCADE would have. No DELETE runs on the ledger, so no count moves. Null when the
   * partition no longer qualifies (an edition in it is live again) or is gone.
   */
  async drop(p: LedgerPartition): Promise<DroppedPartition | null> {
    if (!(await this.allExpired(this.dataSource, p))) {
      return null;
    }
    // The bulk of the referencing rows, outside the ledger's lock (sending goes on meanwhile).
    await this.deleteReferencing(this.dataSource, p);
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL lock_timeout = '${DROP_LOCK_TIMEOUT}'`);
      // From here no statement reaches the ledger until the drop commits: nothing new can reference the rows.
      await manager.query(`LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE`);
      if (!(await this.exists(manager, p.name)) || !(await this.allExpired(manager, p))) {
        return null;
      }
      await this.deleteReferencing(manager, p); // a click that came in meanwhile
      const [kept]: Array<{ editions: number; rows: string }> = await manager.query(
        `SELECT count(*)::int AS editions,
                coalesce(sum(queued + sending + sent + failed + bounced + skipped), 0)::text AS rows
         FROM edition_counts c WHERE c.edition_id BETWEEN $1 AND $2
           -- Editions whose rows an earlier night already deleted one by one are not in it any more.
           AND EXISTS (SELECT 1 FROM "${p.name}" d WHERE d.edition_id = c.edition_id)`,
        [p.first, p.last],
      );
      await manager.query(`ALTER TABLE deliveries DETACH PARTITION "${p.name}"`);
      await manager.query(`DROP TABLE "${p.name}"`);
      this.known.delete(p.name);
      return { ...p, editions: kept.editions, rows: Number(kept.rows) };
    });
  }

  private async deleteReferencing(db: Pick<DataSource, 'query'>, p: LedgerPartition): Promise<void> {
    for (const table of ['clicks', 'opens', 'provider_report_marks']) {
      await db.query(`DELETE FROM ${table} WHERE edition_id BETWEEN $1 AND $2`, [p.first, p.last]);
    }
  }
}
