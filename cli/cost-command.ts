import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchProxyFigures, CostError, estimateCost, formatCostReport, meshFootprint, PUBLISHED_FIGURES, type CostReport, type ProxyFigure } from '../lib/cost';
import { environmentNamed } from '../stacks/environments';
import { orderedObjects } from '../stacks/gitops-output';
import { buildPlatform } from '../stacks/platform';

/** `meshform cost`'s options (cli/commands/cost.ts). */
export interface CostOptions {
  readonly env: string;
  readonly rpsPerPod: number;
  readonly priceVcpuHour: number;
  readonly priceGbHour: number;
  readonly results: string;
  readonly json?: boolean;
}

/** The Meshform sidecar's figures from the newest run in `dir` that holds proxy results (run files are named by their start time). */
export function newestProxyFigures(dir: string): ProxyFigure[] {
  const runs = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^bench-.*\.json$/.test(f)).sort().reverse() : [];
  for (const run of runs) {
    const file = path.join(dir, run);
    const figures = benchProxyFigures(JSON.parse(fs.readFileSync(file, 'utf8')), file);
    if (figures) return figures;
  }
  throw new CostError('COST_NO_BENCH_RESULTS', `${dir}: no benchmark run with proxy results (bench-*.json); run \`npm run bench\` first, or point --results at a folder that has one`);
}

/** The cost report of one environment, as synthesized. */
export function costReport(options: CostOptions): CostReport {
  const env = environmentNamed(options.env);
  return estimateCost({
    env: env.name,
    footprint: meshFootprint(orderedObjects(buildPlatform(env))),
    figures: [...newestProxyFigures(options.results), ...PUBLISHED_FIGURES],
    rpsPerPod: options.rpsPerPod,
    prices: { vcpuHour: options.priceVcpuHour, gibHour: options.priceGbHour },
  });
}

/** `meshform cost [--env dev] [--rps-per-pod 100] [--price-vcpu-hour X --price-gb-hour Y] [--json]`. */
export function runCost(options: CostOptions): number {
  const report = costReport(options);
  console.log(options.json ? JSON.stringify(report, null, 2) : formatCostReport(report));
  return 0;
}
