#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');

// A checkout runs the TypeScript through tsx (no build step, never a stale build); an installed
// package ships only the compiled CLI.
const source = path.join(__dirname, '..', 'cli', 'main.ts');
let cli;
if (fs.existsSync(source)) {
  require('tsx/cjs');
  cli = require(source);
} else {
  cli = require(path.join(__dirname, '..', 'build', 'cli', 'main.js'));
}
cli
  .main(process.argv.slice(2))
  .then((code) => {
    if (typeof code === 'number') process.exitCode = code;
  })
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
