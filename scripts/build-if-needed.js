#!/usr/bin/env node
// `npm start` builds first when dist/ is missing or older than any source file, so a fresh clone needs
// only `npm ci && npm start`.
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { execSync } = require('node:child_process');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'src', 'main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const sources = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'migrations')));
if (!existsSync(entry) || statSync(entry).mtimeMs < sources) {
  console.error('nashra: building (dist/ is missing or out of date)…');
  execSync('npx nest build', { cwd: root, stdio: 'inherit' });
}
