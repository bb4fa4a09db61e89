#!/usr/bin/env node
// `npm start` builds first when dist/ is missing or older than any source file, so a fresh clone needs
// only `npm ci && npm start`. tsc's incremental build rewrites only the files that changed, so freshness is
// judged by a stamp written after each successful build, not by dist/src/main.js's own age.
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { execSync } = require('node:child_process');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'src', 'main.js');
const stamp = join(root, 'dist', '.build-stamp');

function newestMtime(path) {
  if (!existsSync(path)) {
    return 0;
  }
  const stat = statSync(path);
  if (!stat.isDirectory()) {
    return stat.mtimeMs;
  }
  let newest = 0;
  for (const child of readdirSync(path)) {
    newest = Math.max(newest, newestMtime(join(path, child)));
  }
  return newest;
}

const sources = Math.max(
  ...['src', 'migrations', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'].map((p) =>
    newestMtime(join(root, p)),
  ),
);
const built = existsSync(entry) ? newestMtime(existsSync(stamp) ? stamp : entry) : 0;
if (built < sources) {
  console.error('nashra: building (dist/ is missing or out of date)…');
  const started = Date.now();
  execSync('npx nest build', { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, new Date().toISOString() + '\n');
  console.error(`nashra: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
