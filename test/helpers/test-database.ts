import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { runMigrationsLocked } from '../../src/database/migrator';

/** The server every suite uses: DATABASE_URL, or the embedded one global-setup started. */
export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is not set: test/global-setup.js should have set it');
  }
  return url;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server, so suites never see each other's rows. */
export function createTestDatabase(): Promise<TestDatabase> {
  return newDatabase('');
}

/**
 * A fresh database with every migration applied, as the app would leave it on its first start: a copy of a
 * template database migrated once per server and migrations folder (PostgreSQL copies one in ~0.1 s, where
 * running the migrations takes ~0.5-1 s of a suite's time each start). The app still runs its migrations on
 * start and finds none pending. Tests of the migrations themselves, or of a first start, use createTestDatabase.
 */
export async function createMigratedTestDatabase(): Promise<TestDatabase> {
  return newDatabase(` TEMPLATE ${await migratedTemplate()}`);
}

async function newDatabase(template: string): Promise<TestDatabase> {
  const name = `nashra_t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${template}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(serverUrl(), name),
    drop: async () => {
      const c = new Client({ connectionString: serverUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A connected DataSource on a database, with every migration applied. */
export async function migratedDataSource(url: string): Promise<DataSource> {
  const ds = await new DataSource(dataSourceOptions(url)).initialize();
  await runMigrationsLocked(ds);
  return ds;
}

const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');

/**
 * The template's name says what it holds: a hash of the migration files, so a changed or added migration makes
 * a new template instead of reusing a stale one. Several test runs (branches) may share one server, each with
 * its own template.
 */
function templateName(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(`\0${file}\0`);
    hash.update(readFileSync(join(MIGRATIONS_DIR, file)));
  }
  return `nashra_tpl_${hash.digest('hex').slice(0, 16)}`;
}

const quiet = { log: () => undefined } as unknown as Logger;

/**
 * Makes the migrated template once per server: the first suite to ask builds it under an advisory lock while
 * the others wait, under a temporary name renamed only once fully migrated (a run killed mid-build leaves no
 * half-made template behind the final name). No connection is ever allowed to the finished template, since
 * PostgreSQL copies a database only while nobody is connected to it.
 */
async function migratedTemplate(): Promise<string> {
  const name = templateName();
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    const exists = async () =>
      ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount ?? 0) > 0;
    if (await exists()) {
      return name;
    }
    await admin.query(`SELECT pg_advisory_lock(hashtext('nashra test template'))`);
    try {
      if (await exists()) {
        return name;
      }
      const building = `${name}_b${randomBytes(3).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${building}`);
      try {
        const ds = await new DataSource(dataSourceOptions(withDatabase(serverUrl(), building))).initialize();
        try {
          await runMigrationsLocked(ds, quiet);
        } finally {
          await ds.destroy();
        }
        await admin.query(`ALTER DATABASE ${building} WITH ALLOW_CONNECTIONS false`);
        await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      } catch (err) {
        await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`).catch(() => undefined);
        throw err;
      }
      return name;
    } finally {
      await admin.query(`SELECT pg_advisory_unlock(hashtext('nashra test template'))`);
    }
  } finally {
    await admin.end();
  }
}
