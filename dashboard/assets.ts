/**
 * The dashboard page's files, for the controller to serve under `/debug/dashboard/`. A build
 * (`npm run build`, or the controller image's bundle) writes them beside this module; running from
 * source, they are bundled in memory on first use, so nobody runs a build step to see the page.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildDashboardAssets, contentTypeOf } from './build-page';

export interface DashboardAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The page's files, as the page names them (index.html loads the others relatively). */
export const PAGE_FILES = ['index.html', 'app.js', 'app.css', 'elk-worker.js'] as const;

/** Where a build leaves the files: beside build/dashboard/assets.js, or in dashboard/ beside a bundle (dist/controller.js). */
const BUILT_DIRS = [__dirname, path.join(__dirname, 'dashboard')];

let loading: Promise<ReadonlyMap<string, DashboardAsset>> | undefined;

export function loadDashboardAssets(): Promise<ReadonlyMap<string, DashboardAsset>> {
  loading ??= load().catch((error: unknown) => {
    // A failed build is not cached: the next request tries again (after the sources are fixed).
    loading = undefined;
    throw error;
  });
  return loading;
}

async function load(): Promise<ReadonlyMap<string, DashboardAsset>> {
  const built = BUILT_DIRS.find((dir) => PAGE_FILES.every((name) => existsSync(path.join(dir, name))));
  if (!built) return buildDashboardAssets();
  return new Map(PAGE_FILES.map((name) => [`/${name}`, { contentType: contentTypeOf(name), body: readFileSync(path.join(built, name)) }]));
}
