#!/usr/bin/env node
// npm run editor:create -- --email you@example.com [--name "…"] [--password …] [--role owner|chief|editor|writer|analyst]
// Builds dist/ when it is missing or stale (like `npm start`), then runs the compiled command. In the Docker
// image (no scripts/): node dist/src/auth/editor-create.cli.js --email …
require('./build-if-needed');
const { createEditorFromCommandLine } = require('../dist/src/auth/editor-create.cli');

createEditorFromCommandLine(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err.message ?? err);
    process.exit(1);
  },
);
