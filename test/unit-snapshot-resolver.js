// Unit specs' snapshots live under test/__snapshots__/, mirroring src/, not beside the spec: a snapshot of a
// repository's composed SQL inside src/ would be a second file "writing" its tables to the one-owner-per-table
// check (`git grep -liE "(update|insert into|delete from)\s+<table>" src` lists one file each).
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const sources = join(root, 'src');
const snapshots = join(__dirname, '__snapshots__');

module.exports = {
  resolveSnapshotPath: (testPath, extension) => join(snapshots, relative(sources, testPath) + extension),
  resolveTestPath: (snapshotPath, extension) =>
    join(sources, relative(snapshots, snapshotPath).slice(0, -extension.length)),
  testPathForConsistencyCheck: join(sources, 'subscribers', 'example.spec.ts'),
};
