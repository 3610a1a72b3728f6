/**
 * The dashboard page in headless Chromium on a synthetic mesh: time to first render (navigation to
 * the first graph painted: fetch, ELK layout, drawing) and per-update time (a snapshot received to
 * its changes painted), for each size and view. Figures come from the page's own performance
 * entries (`dashboard:first-render`, `dashboard:update`), never asserted.
 */
import { launchChromium } from '../../test/e2e/dashboard/chromium';
import { startFixtureServer } from '../../test/e2e/dashboard/fixture-server';
import { renderTable } from '../support/table';
import { compareLayouts, type LayoutTiming } from './layout-compare';
import { syntheticSnapshot } from './synthetic-snapshot';

export interface DashboardBenchOptions {
  readonly sizes: readonly number[];
  /** Snapshots applied after the first, each changing every figure (and, from the second, adding calls). */
  readonly updates: number;
}

export const DASHBOARD_FULL: DashboardBenchOptions = { sizes: [100, 1000], updates: 6 };
export const DASHBOARD_QUICK: DashboardBenchOptions = { sizes: [100], updates: 2 };

const VIEWS = {
  expanded: 'every service drawn',
  collapsed: 'namespaces collapsed (the default above 300 services)',
} as const;

export interface DashboardRow {
  readonly services: number;
  readonly view: keyof typeof VIEWS;
  readonly nodes: number;
  readonly edges: number;
  readonly firstRenderMs: number;
  readonly updateMs: readonly number[];
}

export interface DashboardResults {
  readonly rows: DashboardRow[];
  readonly layouts: LayoutTiming[];
}

export async function runDashboardBench(options: DashboardBenchOptions, progress: (line: string) => void): Promise<DashboardResults> {
  const browser = await launchChromium();
  const rows: DashboardRow[] = [];
  try {
    for (const services of options.sizes) {
      for (const view of Object.keys(VIEWS) as (keyof typeof VIEWS)[]) {
        progress(`dashboard: ${services} services, ${VIEWS[view]}`);
        const server = await startFixtureServer(syntheticSnapshot({ services }));
        const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
        try {
          // refresh=0.2: the next snapshot is asked for as soon as one is drawn, so updates follow each other.
          await page.goto(`${server.url}?refresh=0.2&collapseAbove=${view === 'expanded' ? 1e9 : 0}`);
          await page.waitForFunction(() => performance.getEntriesByName('dashboard:first-render').length > 0, undefined, { timeout: 300_000 });
          const updateMs: number[] = [];
          for (let tick = 1; tick <= options.updates; tick++) {
            const next = syntheticSnapshot({ services, tick });
            server.setSnapshot(next);
            // Re-reads of an unchanged snapshot are updates too, but cheap ones: only the one that drew `next` counts.
            const drew = await page.waitForFunction((at) => performance.getEntriesByName('dashboard:update').find((e) => e.detail === at)?.duration, next.generatedAt, { timeout: 300_000 });
            updateMs.push((await drew.jsonValue()) as number);
          }
          const figures = await page.evaluate(() => ({
            first: performance.getEntriesByName('dashboard:first-render')[0]!.startTime,
            nodes: window.meshformDashboard!.nodeIds().length,
            edges: window.meshformDashboard!.edgeIds().length,
          }));
          rows.push({ services, view, nodes: figures.nodes, edges: figures.edges, firstRenderMs: figures.first, updateMs });
        } finally {
          await page.close();
          await server.close();
        }
      }
    }
  } finally {
    await browser.close();
  }
  return { rows, layouts: await compareLayouts(options.sizes, progress) };
}

/** The page's globals inside page.evaluate. */
declare const window: { meshformDashboard?: { nodeIds(): string[]; edgeIds(): string[] } };
declare const performance: { getEntriesByName(name: string): { startTime: number; duration: number; detail?: unknown }[] };

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : Number.NaN;
}

export function dashboardTables(results: DashboardResults): string[] {
  return [
    renderTable('Dashboard page in headless Chromium (synthetic mesh: 50 services a namespace, a third with two versions)', [
      { title: 'services', value: (r: DashboardRow) => String(r.services) },
      { title: 'view', value: (r) => VIEWS[r.view] },
      { title: 'nodes', value: (r) => String(r.nodes) },
      { title: 'edges', value: (r) => String(r.edges) },
      { title: 'first render ms', value: (r) => r.firstRenderMs, digits: 0 },
      { title: 'update ms (median)', value: (r) => median(r.updateMs), digits: 0 },
      { title: 'update ms (max)', value: (r) => Math.max(...r.updateMs), digits: 0 },
    ], results.rows),
    renderTable('Layout libraries on the same mesh, in Node (docs/dashboard.md: why ELK)', [
      { title: 'library', value: (r: LayoutTiming) => r.library },
      { title: 'services', value: (r) => String(r.services) },
      { title: 'layout ms', value: (r) => r.ms ?? Number.NaN, digits: 0 },
      { title: 'what it laid out', value: (r) => r.note },
    ], results.layouts),
  ];
}
