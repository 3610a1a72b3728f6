/**
 * `npm run chaos [-- --short] [--rps N] [--seconds S] [--only <name part>]`: each case starts a fresh
 * local mesh (chaos-mesh.ts), sends constant fortio load through its ingress sidecar, does its
 * damage a quarter of the way in, and reports requests sent and failed, the failed answers by code
 * and, where requests failed, how long after the damage the last one did. Exits 1 when a case that
 * must lose nothing lost a request. Tables and JSON go to bench/results/chaos-<time>.*; method and the
 * latest table: docs/reliability.md. Needs fortio (bash scripts/bench/install-fortio.sh).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad, type LoadResult } from '../bench/support/fortio';
import { renderTable } from '../bench/support/table';
import type { SupervisionEvent } from '../runner';
import { CHAOS_CASES, type ChaosCase } from './chaos-cases';
import { SERVICE, startChaosMesh } from './chaos-mesh';

const REPO = path.resolve(__dirname, '..');

export interface CaseResult {
  readonly name: string;
  readonly allowedFailures: ChaosCase['allowedFailures'];
  readonly requests: number;
  readonly failed: number;
  /** Failed answers by status code ('-1': connection errors). */
  readonly failures: Readonly<Record<string, number>>;
  /** From the damage to the last failed request, in ms; absent when none failed. */
  readonly lastFailureAfterMs?: number;
  readonly actualQps: number;
  readonly action: string;
  readonly pass: boolean;
}

async function runCase(chaos: ChaosCase, options: { rps: number; seconds: number; root: string; subnet: number }): Promise<CaseResult> {
  const waiters: { match: (e: SupervisionEvent) => boolean; resolve: (e: SupervisionEvent) => void }[] = [];
  const { mesh, manifests } = await startChaosMesh({
    root: options.root,
    subnet: options.subnet,
    ...(chaos.certTtl ? { certTtl: chaos.certTtl } : {}),
    supervision: (event) => {
      const i = waiters.findIndex((w) => w.match(event));
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve(event);
    },
  });
  try {
    const { url, host } = mesh.entry(SERVICE);
    const load = runLoad({ url: `${url}/chaos`, host, qps: options.rps, connections: 8, seconds: options.seconds, failureTimes: true });
    const loadEnded = load.then(() => undefined, () => undefined);
    await new Promise((resolve) => setTimeout(resolve, (options.seconds * 1000) / 4));
    const damagedAt = Date.now();
    const next = (match: (e: SupervisionEvent) => boolean) => new Promise<SupervisionEvent>((resolve) => waiters.push({ match, resolve }));
    const deadline = new Promise<string>((resolve) => setTimeout(() => resolve('did not finish within the load + 30 s'), options.seconds * 1000 + 30_000));
    const action = await Promise.race([chaos.act({ mesh, manifests, loadEnded, next }), deadline]);
    const result: LoadResult = await load;
    const failures = Object.fromEntries(Object.entries(result.codes).filter(([code]) => code !== '200'));
    const last = result.failedAt.at(-1);
    return {
      name: chaos.name,
      allowedFailures: chaos.allowedFailures,
      requests: result.requests,
      failed: result.errors,
      failures,
      ...(last !== undefined ? { lastFailureAfterMs: last - damagedAt } : {}),
      actualQps: result.actualQps,
      action,
      pass: chaos.allowedFailures === 'reported' || result.errors === 0,
    };
  } finally {
    await mesh.stop();
  }
}

export function chaosTable(results: readonly CaseResult[], settings: { rps: number; seconds: number }): string {
  return renderTable(
    `Chaos under load: ${settings.rps} rps for ${settings.seconds} s per case, damage at ${settings.seconds / 4} s (fresh mesh per case)`,
    [
      { title: 'case', value: (r: CaseResult) => r.name },
      { title: 'sent', value: (r) => r.requests, digits: 0 },
      { title: 'failed', value: (r) => r.failed, digits: 0 },
      { title: 'failed by code', value: (r) => Object.entries(r.failures).map(([code, n]) => `${code === '-1' ? 'conn' : code}×${n}`).join(' ') || '–' },
      { title: 'last failure after', value: (r) => (r.lastFailureAfterMs === undefined ? '–' : `${(r.lastFailureAfterMs / 1000).toFixed(2)} s`) },
      { title: 'goal', value: (r) => (r.allowedFailures === 'none' ? 'no failures' : 'report') },
      { title: 'result', value: (r) => (r.pass ? '✓' : '✗') },
      { title: 'what happened', value: (r) => r.action },
    ],
    results,
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      short: { type: 'boolean', default: false },
      rps: { type: 'string' },
      seconds: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string', default: path.join(REPO, 'bench', 'results') },
    },
  });
  // The short form (CI): fewer requests and seconds per case, the same cases.
  const settings = { rps: Number(values.rps ?? (values.short ? 300 : 1000)), seconds: Number(values.seconds ?? (values.short ? 4 : 10)) };
  const cases = CHAOS_CASES.filter((c) => values.only === undefined || c.name.includes(values.only));
  const root = mkdtempSync(path.join(tmpdir(), 'meshform-chaos-'));
  const results: CaseResult[] = [];
  try {
    for (const [i, chaos] of cases.entries()) {
      console.error(`chaos: ${chaos.name}`);
      results.push(await runCase(chaos, { ...settings, root: path.join(root, String(i)), subnet: 200 + i }));
      console.error(`  ${results.at(-1)!.failed} of ${results.at(-1)!.requests} failed; ${results.at(-1)!.action}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const table = chaosTable(results, settings);
  console.log(table);
  mkdirSync(values.out, { recursive: true });
  const stamp = `chaos-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  writeFileSync(path.join(values.out, `${stamp}.json`), JSON.stringify({ settings, results }, null, 2));
  writeFileSync(path.join(values.out, `${stamp}.txt`), `${table}\n`);
  console.log(`\nwritten: ${path.relative(REPO, path.join(values.out, stamp))}.{json,txt}`);
  return results.every((r) => r.pass) ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
