#!/usr/bin/env node
// npm run token:create -- --name cms --scope articles:write
// Builds dist/ when it is missing or stale (like `npm start`), then runs the compiled command. In the Docker
// image (no scripts/): node dist/src/auth/token-create.cli.js --name cms --scope articles:write
require('./build-if-needed');
const { createTokenFromCommandLine } = require('../dist/src/auth/token-create.cli');

createTokenFromCommandLine(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err.message ?? err);
    process.exit(1);
  },
);
