// Two tiers in one run: unit specs beside the code, e2e suites (real PostgreSQL, real SMTP, Chromium) in test/.
// The PostgreSQL global setup belongs to the e2e project only: jest runs a project's globalSetup just when a test
// of that project is selected, so `npm run test:unit` (or `npx jest src/...`) starts no database.
// Transpile only (isolatedModules): type errors are caught once by `npm run typecheck`, not per test file.
const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    { tsconfig: { ...require('./tsconfig.json').compilerOptions, isolatedModules: true, incremental: false } },
  ],
};
const common = {
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  testEnvironment: 'node',
  // Unit specs' snapshots under test/unit-snapshots/, not in src/ (see the resolver).
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
};

module.exports = {
  maxWorkers: 2,
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.js',
      globalTeardown: '<rootDir>/test/global-teardown.js',
    },
  ],
};
