import { goldenSignals, parsePrometheusText, type GoldenSignals, type Sample } from '../lib/telemetry';
import { readMeshState } from '../runner';

/** Scrapes every sidecar of the running local mesh; unreachable ones are skipped and counted. */
async function scrape(admins: readonly string[]): Promise<{ samples: Sample[]; unreachable: number }> {
  const texts = await Promise.all(
    admins.map(async (a) => {
      try {
        return await (await fetch(`http://${a}/stats/prometheus`)).text();
      } catch {
        return undefined;
      }
    }),
  );
  return { samples: texts.flatMap((t) => (t ? parsePrometheusText(t) : [])), unreachable: texts.filter((t) => t === undefined).length };
}

const ms = (v: number | undefined) => (v === undefined ? '-' : `${v < 10 ? v.toFixed(1) : Math.round(v)}ms`);

/** The table: one row per service and route, like `linkerd viz stat`. */
export function formatSignals(rows: readonly GoldenSignals[]): string {
  const header = ['SERVICE', 'ROUTE', 'RPS', 'SUCCESS', 'P50', 'P95', 'P99'];
  const cells = rows.map((r) => [r.service, r.route || '-', r.rps.toFixed(1), r.successRate === undefined ? '-' : `${(r.successRate * 100).toFixed(2)}%`, ms(r.p50Ms), ms(r.p95Ms), ms(r.p99Ms)]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((r) => r[c]!.length)));
  return [header, ...cells].map((r) => r.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ')).join('\n');
}

/** `meshform stat`'s options (cli/commands/stat.ts). */
export interface StatOptions {
  /** The workspace of the running `meshform up`. */
  readonly workspace: string;
  /** The measuring window, in milliseconds. */
  readonly window: number;
  /** Measure again after each window until Ctrl-C. */
  readonly watch?: boolean;
}

/** `meshform stat`: golden signals per service and route from the sidecars' own metrics. */
export async function runStat({ workspace, window: windowMs, watch }: StatOptions): Promise<number> {
  const state = readMeshState(workspace);
  const admins = state.sidecars.map((s) => s.admin);
  let before = await scrape(admins);
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  do {
    await new Promise((r) => setTimeout(r, windowMs));
    const after = await scrape(admins);
    const table = formatSignals(goldenSignals(before.samples, after.samples, windowMs / 1000));
    const note = after.unreachable ? `\n(${after.unreachable} of ${admins.length} sidecars did not answer)` : '';
    process.stdout.write(`${watch ? '\x1b[2J\x1b[H' : ''}${table}${note}\n`);
    before = after;
  } while (watch && !stop);
  return 0;
}
