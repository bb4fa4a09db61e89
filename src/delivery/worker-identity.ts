import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, type ClientConfig } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { errorMessage } from '../common/error-message';
import { LOCK_KEYS } from '../database/advisory-lock';

/**
 * The holder ids whose process is alive: those whose advisory lock (LOCK_KEYS.workerHolder, id) is granted in
 * this database, as an array (`claimed_by <> ALL (…)`). An uncorrelated subquery, so PostgreSQL runs it once per statement (an InitPlan), and
 * only when the statement first meets a `sending` row: one read of the lock table, a few microseconds, however
 * many rows the claim walks. A two-key advisory lock shows in pg_locks as classid = key 1, objid = key 2,
 * objsubid = 2.
 */
export const LIVE_HOLDERS_SQL = `ARRAY(SELECT l.objid::int
  FROM pg_locks l
  WHERE l.locktype = 'advisory' AND l.classid = ${LOCK_KEYS.workerHolder}::oid AND l.objsubid = 2 AND l.granted
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))`;

/**
 * This process's identity as a claimer of rows (deliveries and transactional messages): a number from the
 * `worker_holder_ids` sequence, on which it holds a session-level advisory lock for its whole life, on a
 * connection of its own outside the pool. Claims are stamped with the number (`claimed_by`); a `sending` row
 * whose holder's lock is free belongs to a process that is gone (killed, crashed, its connection dropped), and
 * any worker may claim it at once instead of waiting for its lease. The lease stays for a holder that still
 * holds its lock but has stopped moving (a stalled process).
 *
 * One identity per process, shared by DeliveryWorker and TransactionalWorker: what a claim asks is whether the
 * process that made it is gone, and both workers live and die with their process. If the lock's connection
 * breaks, the lock is gone with it: `current` turns undefined at once, so the workers stop sending what they
 * hold (someone else may take it now), and the next claim takes a fresh number on a fresh connection.
 */
@Injectable()
export class WorkerIdentity implements OnApplicationShutdown {
  private readonly logger = new Logger(WorkerIdentity.name);
  private client?: Client;
  private id?: number;
  private acquiring?: Promise<number>;
  private closed = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The id this process holds the lock on right now; undefined before the first claim or once the lock is lost. */
  get current(): number | undefined {
    return this.id;
  }

  /** The id to stamp a claim with, taking one (and its lock) if this process has none. */
  holder(): Promise<number> {
    if (this.id !== undefined) {
      return Promise.resolve(this.id);
    }
    if (this.closed) {
      return Promise.reject(new Error('worker identity released'));
    }
    this.acquiring ??= this.acquire().finally(() => {
      this.acquiring = undefined;
    });
    return this.acquiring;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.acquiring?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    this.id = undefined;
    // Ending the session releases the lock.
    await client?.end().catch(() => undefined);
  }

  private async acquire(): Promise<number> {
    const client = new Client({ ...this.connectionConfig(), keepAlive: true });
    client.on('error', (err) => this.lost(client, errorMessage(err)));
    client.on('end', () => this.lost(client, 'connection closed'));
    await client.connect();
    try {
      for (;;) {
        const { rows } = await client.query<{ id: number; locked: boolean }>(
          `SELECT id, pg_try_advisory_lock($1, id) AS locked FROM (SELECT nextval('worker_holder_ids')::int AS id) n`,
          [LOCK_KEYS.workerHolder],
        );
        // Taken only when the sequence has cycled onto a number a live process still holds.
        if (rows[0].locked) {
          if (this.closed) {
            throw new Error('worker identity released');
          }
          this.client = client;
          this.id = rows[0].id;
          return rows[0].id;
        }
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  private lost(client: Client, reason: string): void {
    if (this.client !== client) {
      return;
    }
    this.client = undefined;
    const id = this.id;
    this.id = undefined;
    if (!this.closed) {
      this.logger.warn(`Worker holder ${id} lost its lock (${reason}); its claims may be taken over`);
    }
    client.end().catch(() => undefined);
  }

  private connectionConfig(): ClientConfig {
    const o = this.dataSource.options as PostgresConnectionOptions;
    return {
      connectionString: o.url,
      host: o.host,
      port: o.port,
      user: o.username,
      password: typeof o.password === 'string' ? o.password : undefined,
      database: o.database,
      ssl: o.ssl as ClientConfig['ssl'],
      application_name: 'nashra worker lock',
    };
  }
}
