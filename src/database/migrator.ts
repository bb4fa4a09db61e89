import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

// Any constant shared by all nashra instances; pg advisory locks are per database.
const MIGRATION_LOCK_KEY = 0x6e617368; // "nash"

/** Runs pending migrations under a PostgreSQL advisory lock, so instances starting together do not race. */
export async function runMigrationsLocked(dataSource: DataSource, logger = new Logger('Migrations')): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) {
      logger.log(`Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`);
    }
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
