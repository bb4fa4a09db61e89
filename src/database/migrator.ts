import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { acquireLock, LOCK_KEYS, releaseLock } from './advisory-lock';

/** Runs pending migrations under a PostgreSQL advisory lock, so instances starting together do not race. */
export async function runMigrationsLocked(dataSource: DataSource, logger = new Logger('Migrations')): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await acquireLock(runner, LOCK_KEYS.migrations);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) {
      logger.log(`Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`);
    }
  } finally {
    await releaseLock(runner, LOCK_KEYS.migrations).catch(() => undefined);
    await runner.release();
  }
}
