import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { outputOf, startTracked } from './child-processes';
import { GOALS } from './goals';
import { renderTable, verdict } from './table';

export interface ConvergenceSettings {
  readonly services: readonly number[];
  readonly proxies: number;
  readonly changes: number;
}

export const CONVERGENCE_FULL: ConvergenceSettings = { services: [10, 100, 1000], proxies: 100, changes: 10 };
export const CONVERGENCE_QUICK: ConvergenceSettings = { services: [10], proxies: 10, changes: 2 };

/** A row as bench/convergence.ts writes it. */
export interface ConvergenceRow {
  services: number;
  endpoints: number;
  proxies: number;
  change: 'route weight (VHDS)' | 'endpoint move (EDS)';
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  initialMs: number;
  rssMb: number;
  peakRssMb: number;
  /** The controller's own view (change → response written), as the upper bound of its histogram bucket. */
  controllerP99Ms: number;
  /** CPU time (user + system) the controller spent per change: what the machine's load does not distort. */
  controllerCpuMsPerChange: number;
}

export interface ConvergenceResults {
  readonly settings: ConvergenceSettings;
  /** The JSON file the convergence benchmark wrote, moved into this run's results folder. */
  readonly file: string;
  readonly rows: ConvergenceRow[];
}

/**
 * Runs the controller's convergence benchmark (bench/convergence.ts, the controller's own) as it
 * is, in its own process, and takes its rows from the JSON file it writes; that file moves into
 * this run's results folder so one run's results stay together.
 */
export async function runConvergence(settings: ConvergenceSettings, outDir: string): Promise<ConvergenceResults> {
  const script = path.join(__dirname, '..', 'convergence.ts');
  const args = ['--import', 'tsx', script, '--services', settings.services.join(','), '--proxies', String(settings.proxies), '--changes', String(settings.changes)];
  const out = await outputOf(startTracked(process.execPath, args, { cwd: path.join(__dirname, '..', '..') }), 'bench/convergence.ts');
  const written = /^written (.+\.json)$/m.exec(out)?.[1];
  if (!written) throw new Error(`bench/convergence.ts did not say where it wrote its results:\n${out}`);
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, path.basename(written));
  renameSync(path.resolve(path.join(__dirname, '..', '..'), written), file);
  const { rows } = JSON.parse(readFileSync(file, 'utf8')) as { rows: ConvergenceRow[] };
  return { settings, file, rows };
}

export function convergenceTable(results: ConvergenceResults): string {
  return renderTable(`Control plane convergence: change → every proxy ACKed (${results.settings.proxies} simulated xDS clients, ${results.settings.changes} changes each)`, [
    { title: 'services', value: (r) => String(r.services) },
    { title: 'endpoints', value: (r) => String(r.services * r.endpoints) },
    { title: 'change', value: (r) => r.change },
    { title: 'p50 ms', value: (r) => r.p50Ms, digits: 1 },
    { title: 'p99 ms', value: (r) => r.p99Ms, digits: 1 },
    { title: 'max ms', value: (r) => r.maxMs, digits: 1 },
    { title: 'first config ms', value: (r) => r.initialMs, digits: 0 },
    { title: 'controller CPU ms/change', value: (r) => r.controllerCpuMsPerChange, digits: 0 },
    { title: 'controller RSS MB', value: (r) => r.rssMb, digits: 0 },
    { title: 'peak MB', value: (r) => r.peakRssMb, digits: 0 },
    { title: `goal p99 ≤${GOALS.convergenceP99Ms} at 1000`, value: (r) => (r.services === 1000 ? verdict(r.p99Ms, GOALS.convergenceP99Ms) : '') },
  ], results.rows);
}
