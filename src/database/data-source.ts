import 'reflect-metadata';
import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';

/**
 * One description of the database for the app and for the TypeORM CLI. Entities and migrations are found
 * by file name so adding a module never means editing a central list. `synchronize` is never on: the schema
 * changes only through reviewed migrations in `migrations/`.
 */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [join(__dirname, '..', '**', '*.entity.{ts,js}')],
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{ts,js}')],
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: 10, application_name: 'nashra' },
  };
}

// Used by the TypeORM CLI (`npm run migration:*`), which sets DATABASE_URL (scripts/migration.js).
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'));
