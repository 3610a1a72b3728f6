#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');

// An installed package runs the compiled CLI; a checkout runs the TypeScript through tsx, so the
// repository needs no build step.
const built = path.join(__dirname, '..', 'build', 'cli', 'main.js');
let cli;
if (fs.existsSync(built)) {
  cli = require(built);
} else {
  require('tsx/cjs');
  cli = require('../cli/main.ts');
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
