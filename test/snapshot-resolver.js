// Unit specs' snapshots (specs in src/) live under test/unit-snapshots/, mirroring src/, not beside the spec: a
// snapshot of a repository's composed SQL inside src/ would be a second file "writing" its tables to the
// one-owner-per-table check (`git grep -liE "(update|insert into|delete from)\s+<table>" src` lists one file
// each). Anything else keeps jest's default (`__snapshots__/` beside the test). Both projects use this resolver,
// so neither takes the other's snapshot files for obsolete ones.
const { basename, dirname, join, relative, sep } = require('node:path');

const root = join(__dirname, '..');
const sources = join(root, 'src');
const unitSnapshots = join(__dirname, 'unit-snapshots');
const inside = (dir, path) => path.startsWith(dir + sep);

module.exports = {
  resolveSnapshotPath: (testPath, extension) =>
    inside(sources, testPath)
      ? join(unitSnapshots, relative(sources, testPath) + extension)
      : join(dirname(testPath), '__snapshots__', basename(testPath) + extension),
  resolveTestPath: (snapshotPath, extension) =>
    inside(unitSnapshots, snapshotPath)
      ? join(sources, relative(unitSnapshots, snapshotPath).slice(0, -extension.length))
      : join(dirname(dirname(snapshotPath)), basename(snapshotPath).slice(0, -extension.length)),
  testPathForConsistencyCheck: join(sources, 'subscribers', 'example.spec.ts'),
};
