import * as fs from 'node:fs';
import * as path from 'node:path';
import { descriptorDefine } from '../lib/xds/proto-root';

const REPO = path.resolve(__dirname, '..');

const SOURCE_FOLDERS = ['cli', 'lib', 'controller', 'dashboard', 'proxy', 'runner', 'stacks', 'constructs', 'examples'];

/**
 * The script child processes run the CLI from. In a checkout the sources are bundled with esbuild
 * (packages stay external and resolve from the repository's node_modules) whenever one changed, so
 * each sidecar starts without compiling TypeScript, with the xDS descriptor built in as the image's
 * bundle has it (scripts/build-bundles.ts); an installed package runs its compiled CLI.
 */
export function cliEntry(): string {
  const source = path.join(REPO, 'cli', 'main.ts');
  if (!fs.existsSync(source)) return path.join(REPO, 'build', 'cli', 'main.js');
  const outfile = path.join(REPO, '.cache', 'runner', 'meshform.js');
  const built = fs.existsSync(outfile) ? fs.statSync(outfile).mtimeMs : 0;
  // The lock file too: the descriptor comes from the protos of an installed package.
  const lockChanged = fs.statSync(path.join(REPO, 'package-lock.json')).mtimeMs > built;
  if (lockChanged || SOURCE_FOLDERS.some((folder) => newerThan(path.join(REPO, folder), built))) {
    // esbuild is a development dependency: present wherever the sources are.
    const esbuild = require('esbuild') as typeof import('esbuild');
    esbuild.buildSync({ entryPoints: [source], bundle: true, platform: 'node', target: 'node20', packages: 'external', define: descriptorDefine(), outfile, logLevel: 'error' });
  }
  return outfile;
}

function newerThan(dir: string, mtimeMs: number): boolean {
  if (!fs.existsSync(dir)) return false;
  return fs.readdirSync(dir, { withFileTypes: true }).some((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? newerThan(p, mtimeMs) : e.name.endsWith('.ts') && fs.statSync(p).mtimeMs > mtimeMs;
  });
}
