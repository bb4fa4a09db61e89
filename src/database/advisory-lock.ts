import type { EntityManager, QueryRunner } from 'typeorm';

/**
 * PostgreSQL advisory locks, the one way nashra instances take turns (migrations, feed polls, edition
 * creation). Locks are per database, so every instance must use the same numbers. A lock is either one
 * fixed key (a whole job: migrations, the feed poll) or a key space plus a name hashed inside it (one lock
 * per digest frequency). The numbers below are the ones every released version has used; changing one
 * would let an old and a new instance run the same job at once.
 */
export const LOCK_KEYS = {
  /** 0x6e617368 = "nash" */
  migrations: 0x6e617368,
  /** 0x6e617372 = "nasr" */
  feedPoll: 0x6e617372,
  /** Key space of per-frequency digest locks; 0x64696765 = "dige". */
  digest: 0x64696765,
  /** 0x6e616278 = "nabx": the bounce mailbox poll. */
  bounceMailbox: 0x6e616278,
  /** Readers' lifecycle emails (reminder, sunset); 0x6e61726c = "narl". */
  readerLifecycle: 0x6e61726c,
  /** The nightly recount of kept counts; 0x6e61636e = "nacn". */
  countsReconciliation: 0x6e61636e,
  /** Key space of worker processes' holder ids (WorkerIdentity); 0x6e617768 = "nawh". */
  workerHolder: 0x6e617768,
} as const;

/** A fixed key, or a key space and a name within it. */
export type LockKey = number | { space: number; name: string };

type Queryable = Pick<QueryRunner | EntityManager, 'query'>;

function call(fn: string, key: LockKey): [string, unknown[]] {
  return typeof key === 'number'
    ? [`SELECT ${fn}($1) AS locked`, [key]]
    : [`SELECT ${fn}($1, hashtext($2)) AS locked`, [key.space, key.name]];
}

async function run(db: Queryable, fn: string, key: LockKey): Promise<boolean> {
  const [sql, params] = call(fn, key);
  const [row] = (await db.query(sql, params)) as Array<{ locked: boolean | string | null }>;
  // The waiting variants return void (''), which means the lock is held.
  return row.locked !== false;
}

/** Session lock: waits for it. Release with `releaseLock` on the same connection (a QueryRunner). */
export async function acquireLock(db: Queryable, key: LockKey): Promise<void> {
  await run(db, 'pg_advisory_lock', key);
}

/** Session lock without waiting: false when another session holds it. */
export function tryLock(db: Queryable, key: LockKey): Promise<boolean> {
  return run(db, 'pg_try_advisory_lock', key);
}

export async function releaseLock(db: Queryable, key: LockKey): Promise<void> {
  await run(db, 'pg_advisory_unlock', key);
}

/** Transaction lock: waits for it; released when the transaction ends. */
export async function acquireTransactionLock(db: Queryable, key: LockKey): Promise<void> {
  await run(db, 'pg_advisory_xact_lock', key);
}

/** Transaction lock without waiting: false when another transaction holds it. */
export function tryTransactionLock(db: Queryable, key: LockKey): Promise<boolean> {
  return run(db, 'pg_try_advisory_xact_lock', key);
}
