#!/usr/bin/env node
// `npm start` builds first when dist/ is missing or older than any source file, so a fresh clone needs
// only `npm ci && npm start`. tsc's incremental build rewrites only the files that changed, so freshness is
// judged by a stamp written after each successful build, not by dist/src/main.js's own age.
// tsc never deletes the output of a source that is gone (a deleted or renamed migration would still run, an
// entity still load), and a deletion leaves no newer file behind; nor does its incremental build re-emit a .js
// deleted from dist/. So when dist/'s .js files and the .ts sources do not pair up, dist/ is cleared and built
// afresh.
const { existsSync, readdirSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { execSync } = require('node:child_process');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const entry = join(dist, 'src', 'main.js');
const stamp = join(dist, '.build-stamp');
/** Folders tsconfig.build.json compiles, each to dist/<folder>. */
const COMPILED = ['src', 'migrations'];

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

/** Paths below `dir` (relative to it) of the files whose name ends with `ending`. */
function filesEndingIn(dir, ending) {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((path) => path.endsWith(ending));
}

/** Compiled sources (tsconfig.build.json leaves out specs) and the .js tsc makes of each, relative to root. */
const sources = new Set(
  COMPILED.flatMap((folder) =>
    filesEndingIn(join(root, folder), '.ts')
      .filter((path) => !path.endsWith('.spec.ts') && !path.endsWith('.d.ts'))
      .map((path) => join(folder, path.slice(0, -'.ts'.length))),
  ),
);
const outputs = new Set(
  COMPILED.flatMap((folder) =>
    filesEndingIn(join(dist, folder), '.js').map((path) => join(folder, path.slice(0, -'.js'.length))),
  ),
);
const stale = [...outputs].filter((path) => !sources.has(path));
const missing = [...sources].filter((path) => !outputs.has(path));
const unpaired = stale.length > 0 || (missing.length > 0 && existsSync(dist));

const newestSource = Math.max(
  ...[...COMPILED, 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'].map((p) => newestMtime(join(root, p))),
);
const built = existsSync(entry) ? newestMtime(existsSync(stamp) ? stamp : entry) : 0;
if (unpaired || built < newestSource) {
  if (unpaired) {
    const example = stale.length > 0 ? `dist/${stale[0]}.js has no source` : `${missing[0]}.ts has no dist/ file`;
    console.error(`nashra: clearing dist/ (${stale.length + missing.length} file(s) unpaired, e.g. ${example})`);
    rmSync(dist, { recursive: true, force: true });
  }
  console.error('nashra: building (dist/ is missing or out of date)…');
  const started = Date.now();
  execSync('npx nest build', { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, new Date().toISOString() + '\n');
  console.error(`nashra: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
