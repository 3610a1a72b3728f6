/**
 * Bundles the page with esbuild: page/app.ts (cytoscape, uPlot and the view code) into one script,
 * page/app.css with uPlot's styles into one sheet, plus index.html and ELK's layout worker. Nothing
 * is fetched from elsewhere at run time, so the page works offline.
 *   tsx dashboard/build-page.ts --out build/dashboard      (run by `npm run build`)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { DashboardAsset } from './assets';

/**
 * The page's sources: beside this module from source, or, when a bundle of the checkout inlines it
 * (the local runner's CLI under .cache/runner/), in the checkout's dashboard/page above the bundle.
 */
function pageSources(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const found = [path.join(dir, 'page'), path.join(dir, 'dashboard', 'page')].find((candidate) => existsSync(path.join(candidate, 'app.ts')));
    if (found) return found;
    if (path.dirname(dir) === dir) return path.join(__dirname, 'page');
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
}

/** The page's files in memory, keyed by their path under the page's mount (`/index.html`, …). */
export async function buildDashboardAssets(): Promise<Map<string, DashboardAsset>> {
  // Loaded here only: a built or bundled controller reads the files written below and never needs esbuild.
  const { build } = await import('esbuild');
  const PAGE = pageSources();
  const result = await build({
    entryPoints: { app: path.join(PAGE, 'app.ts'), 'app-style': path.join(PAGE, 'app.css') },
    bundle: true,
    write: false,
    outdir: '/',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const assets = new Map<string, DashboardAsset>();
  for (const file of result.outputFiles) {
    const name = file.path === '/app-style.css' ? '/app.css' : file.path;
    assets.set(name, { contentType: contentTypeOf(name), body: Buffer.from(file.contents) });
  }
  assets.set('/index.html', { contentType: contentTypeOf('index.html'), body: readFileSync(path.join(PAGE, 'index.html')) });
  assets.set('/elk-worker.js', { contentType: contentTypeOf('elk-worker.js'), body: readFileSync(require.resolve('elkjs/lib/elk-worker.min.js')) });
  return assets;
}

/** Writes the page's files into `outDir`, where loadDashboardAssets finds them. */
export async function writeDashboardAssets(outDir: string): Promise<string[]> {
  const assets = await buildDashboardAssets();
  mkdirSync(outDir, { recursive: true });
  for (const [name, asset] of assets) writeFileSync(path.join(outDir, name), asset.body);
  return [...assets.keys()];
}

// Run as a script only when this file is the entry itself: a bundle that inlines it (the CLI's, the
// controller image's) is `module` for every module it holds, and must not build the page on start.
if (require.main === module && path.basename(__filename, path.extname(__filename)) === 'build-page') {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'build/dashboard' } } });
  writeDashboardAssets(path.resolve(values.out!)).then(
    // On stderr, as tsc and esbuild report: `npm pack --json` runs this (prepack) and its stdout is the JSON.
    (names) => console.error(`dashboard page: wrote ${names.join(', ')} into ${values.out}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
