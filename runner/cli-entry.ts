import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..');

/**
 * The script child processes run the CLI from. In a checkout the sources are bundled once per
 * start with esbuild (packages stay external and resolve from the repository's node_modules), so
 * each sidecar starts without compiling TypeScript; an installed package runs its compiled CLI.
 */
export function cliEntry(): string {
  const source = path.join(REPO, 'cli', 'main.ts');
  if (!fs.existsSync(source)) return path.join(REPO, 'build', 'cli', 'main.js');
  const outfile = path.join(REPO, '.cache', 'runner', 'meshform.js');
  // esbuild is a development dependency: present wherever the sources are.
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({ entryPoints: [source], bundle: true, platform: 'node', target: 'node20', packages: 'external', outfile, logLevel: 'error' });
  return outfile;
}
