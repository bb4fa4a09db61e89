const { rmSync } = require('node:fs');
const { join } = require('node:path');

module.exports = async function globalTeardown() {
  // The run's transpiled app, if a suite built one (TranspiledApp.shared).
  if (process.env.NASHRA_TEST_RUN_ID) {
    rmSync(join(__dirname, '..', `.transpiled-run-${process.env.NASHRA_TEST_RUN_ID}`), {
      recursive: true,
      force: true,
    });
  }
  const pg = globalThis.__NASHRA_EMBEDDED_PG__;
  if (pg) {
    await pg.stop();
  }
};
