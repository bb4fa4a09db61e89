#!/usr/bin/env node
// npm run migration:run | migration:revert | migration:generate -- <PascalName>
// Uses DATABASE_URL, or starts the embedded PostgreSQL (./var/postgres) like `npm start` does.
require('ts-node').register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
require('reflect-metadata');
const { spawnSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const { join } = require('node:path');
const { DataSource } = require('typeorm');
const { loadConfig } = require('../src/config/app-config');
const { dataSourceOptions } = require('../src/database/data-source');
const { runMigrationsLocked } = require('../src/database/migrator');
const { startEmbeddedPostgres } = require('../src/database/embedded-postgres');

async function main() {
  const [command, name] = process.argv.slice(2);
  const config = loadConfig(process.env);
  const embedded = config.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(config.embeddedPgDir);
  const url = config.env.DATABASE_URL ?? embedded.url;
  try {
    const ds = await new DataSource(dataSourceOptions(url)).initialize();
    try {
      if (command === 'run') {
        await runMigrationsLocked(ds);
      } else if (command === 'revert') {
        await ds.undoLastMigration({ transaction: 'each' });
      } else if (command === 'generate') {
        if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
          throw new Error('usage: npm run migration:generate -- <PascalCaseName>');
        }
        await runMigrationsLocked(ds); // generate against an up-to-date schema
      } else {
        throw new Error(`unknown command ${command}`);
      }
    } finally {
      await ds.destroy();
    }
    if (command === 'generate') {
      const cli = join(__dirname, '..', 'node_modules', '.bin', 'typeorm-ts-node-commonjs');
      const result = spawnSync(
        cli,
        ['migration:generate', '--pretty', '-d', 'src/database/data-source.ts', join('migrations', name)],
        { stdio: 'inherit', env: { ...process.env, DATABASE_URL: url } },
      );
      process.exitCode = result.status ?? 1;
      // The CLI writes its own style; format the new file so `npm run format:check` stays green.
      const created = readdirSync(join(__dirname, '..', 'migrations')).filter((f) => f.endsWith(`-${name}.ts`));
      if (result.status === 0 && created.length > 0) {
        const files = created.map((f) => join('migrations', f));
        spawnSync(join(__dirname, '..', 'node_modules', '.bin', 'prettier'), ['--write', ...files], {
          stdio: 'inherit',
        });
      }
    }
  } finally {
    await embedded?.stop();
  }
}

main().catch((err) => {
  console.error(err.message ?? err);
  process.exit(1);
});
