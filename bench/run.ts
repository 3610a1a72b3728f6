/**
 * `npm run bench`: every benchmark in one run — the data plane (Meshform with and without telemetry)
 * beside a direct call, HAProxy and a bare Node pass-through (the floor),
 * synth at scale beside plain cdk8s-plus, and the control plane's convergence — printed as tables
 * and written as one JSON file. Benchmarks are never assertions: a scenario that fails is recorded
 * as failed and the run goes on to the next.
 *
 *   npx tsx bench/run.ts [--quick] [--out <dir>] [--only proxy,synth,convergence,dashboard]
 *
 * --quick runs each scenario briefly, for CI to check the harness works; its figures mean nothing.
 * Needs fortio and haproxy: bash scripts/bench/install-fortio.sh && bash scripts/bench/install-haproxy.sh;
 * the dashboard part needs Debian's chromium (bash scripts/install-test-tools.sh).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildBundles } from '../scripts/build-bundles';
import { fortioBinary } from './support/fortio';
import { DASHBOARD_FULL, DASHBOARD_QUICK, dashboardTables, runDashboardBench } from './dashboard/dashboard-render';
import { CONVERGENCE_FULL, CONVERGENCE_QUICK, convergenceTable, runConvergence } from './support/convergence-run';
import { PROXY_FULL, PROXY_QUICK, runProxyOverhead } from './proxy-overhead';
import { proxyTables } from './proxy-tables';
import { runSynthScale, SYNTH_FULL, SYNTH_QUICK, synthTable } from './synth-scale';

const REPO = path.resolve(__dirname, '..');
const SCENARIOS = ['proxy', 'synth', 'convergence', 'dashboard'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** What a scenario hands back: its results for the JSON file and its tables for the terminal. */
interface Outcome {
  readonly results: unknown;
  readonly tables: string[];
}

type Recorded = { ok: true; seconds: number; results: unknown } | { ok: false; seconds: number; error: string };

/** A tool's version line, or "missing": only the scenario that needs the tool fails without it. */
function versionOf(command: () => string, args: string[]): string {
  try {
    return execFileSync(command(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim();
  } catch {
    return 'missing';
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string', default: path.join(REPO, 'bench', 'results') }, only: { type: 'string', default: SCENARIOS.join(',') } } });
  const quick = values.quick!;
  const only = values.only!.split(',') as Scenario[];
  const unknown = only.filter((s) => !SCENARIOS.includes(s));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; scenarios are ${SCENARIOS.join(', ')}`);
  const outDir = path.resolve(values.out!);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'meshform-bench-'));
  const progress = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
  mkdirSync(outDir, { recursive: true });

  const started = new Date();
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: os.totalmem() / 2 ** 30,
    kernel: os.release(),
    node: process.version,
    fortio: versionOf(fortioBinary, ['version']),
    haproxy: versionOf(() => 'haproxy', ['-v']),
    loadAverageAtStart: os.loadavg(),
  };
  progress(`building the proxy and controller bundles`);
  const bundles = await buildBundles(path.join(REPO, '.cache', 'bench', 'dist'));

  const scenarios: Record<Scenario, () => Promise<Outcome>> = {
    proxy: async () => {
      const results = await runProxyOverhead(quick ? PROXY_QUICK : PROXY_FULL, bundles, workDir, path.join(outDir, `profiles-${stamp}`), progress);
      return { results, tables: proxyTables(results) };
    },
    synth: async () => {
      const rows = await runSynthScale(quick ? SYNTH_QUICK : SYNTH_FULL, progress);
      return { results: rows, tables: [synthTable(rows)] };
    },
    convergence: async () => {
      progress('control-plane convergence (bench/convergence.ts)');
      const results = await runConvergence(quick ? CONVERGENCE_QUICK : CONVERGENCE_FULL, outDir);
      return { results, tables: [convergenceTable(results)] };
    },
    dashboard: async () => {
      const results = await runDashboardBench(quick ? DASHBOARD_QUICK : DASHBOARD_FULL, progress);
      return { results, tables: dashboardTables(results) };
    },
  };

  const recorded: Partial<Record<Scenario, Recorded>> = {};
  const tables: string[] = [];
  try {
    for (const name of only) {
      const t0 = performance.now();
      try {
        const outcome = await scenarios[name]();
        recorded[name] = { ok: true, seconds: (performance.now() - t0) / 1000, results: outcome.results };
        tables.push(...outcome.tables);
        console.log(outcome.tables.join('\n'));
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        recorded[name] = { ok: false, seconds: (performance.now() - t0) / 1000, error: message };
        progress(`${name} failed: ${message}`);
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  const finished = new Date();
  const file = path.join(outDir, `bench-${quick ? 'quick-' : ''}${stamp}.json`);
  const report = { schema: 1, quick, startedAt: started.toISOString(), finishedAt: finished.toISOString(), seconds: (finished.getTime() - started.getTime()) / 1000, machine: { ...machine, loadAverageAtEnd: os.loadavg() }, scenarios: recorded };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(outDir, `bench-${quick ? 'quick-' : ''}${stamp}.txt`), `${tables.join('\n')}\n`);
  console.log(`\nwritten ${path.relative(process.cwd(), file)} in ${report.seconds.toFixed(0)} s`);
  return Object.values(recorded).every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
