module.exports = async function globalTeardown() {
  const pg = globalThis.__NASHRA_EMBEDDED_PG__;
  if (pg) {
    await pg.stop();
  }
};
