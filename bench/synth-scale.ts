import * as path from 'node:path';
import { outputOf, startTracked } from './support/child-processes';
import { renderTable, verdict } from './support/table';
import { GOALS } from './support/goals';
import type { SynthKind, SynthSample } from './synth-worker';

export const SYNTH_FULL = [10, 100, 1000] as const;
export const SYNTH_QUICK = [10] as const;

export interface SynthRow {
  readonly count: number;
  readonly meshform: SynthSample;
  readonly baseline: SynthSample;
  /** Meshform over the plain cdk8s-plus baseline: the figure that matters on a noisy machine. */
  readonly timeRatio: number;
  readonly addedRssRatio: number;
}

/** Synthesizes each size with the mesh and with the plain baseline, each in its own process, one after the other. */
export async function runSynthScale(counts: readonly number[], progress: (line: string) => void): Promise<SynthRow[]> {
  const rows: SynthRow[] = [];
  for (const count of counts) {
    progress(`synth: ${count} services`);
    const baseline = await sample('baseline', count);
    const meshform = await sample('meshform', count);
    rows.push({ count, meshform, baseline, timeRatio: meshform.seconds / baseline.seconds, addedRssRatio: meshform.addedRssMb / baseline.addedRssMb });
  }
  return rows;
}

async function sample(kind: SynthKind, count: number): Promise<SynthSample> {
  const worker = path.join(__dirname, 'synth-worker.ts');
  const out = await outputOf(startTracked(process.execPath, ['--import', 'tsx', worker, '--kind', kind, '--count', String(count)]), `synth-worker ${kind} ${count}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as SynthSample;
}

export function synthTable(rows: readonly SynthRow[]): string {
  return renderTable('Synth: MeshServices with a canary route, circuit breaker and access policy each, beside plain cdk8s-plus Deployment+Service', [
    { title: 'services', value: (r) => String(r.count) },
    { title: 'objects', value: (r) => `${r.meshform.objects} / ${r.baseline.objects}` },
    { title: 'meshform s', value: (r) => r.meshform.seconds },
    { title: 'cpu s', value: (r) => r.meshform.cpuSeconds },
    { title: 'baseline s', value: (r) => r.baseline.seconds },
    { title: 'cpu s', value: (r) => r.baseline.cpuSeconds },
    { title: 'time ×', value: (r) => r.timeRatio, digits: 1 },
    { title: 'meshform MB', value: (r) => r.meshform.addedRssMb, digits: 0 },
    { title: 'baseline MB', value: (r) => r.baseline.addedRssMb, digits: 0 },
    { title: 'memory ×', value: (r) => r.addedRssRatio, digits: 1 },
    // The mesh writes three times the objects of the baseline; per object is how much more each one costs.
    { title: 'time × per object', value: (r) => (r.timeRatio * r.baseline.objects) / r.meshform.objects, digits: 1 },
    { title: `goal (1000: ≤${GOALS.synthTimesBaseline}× time and memory)`, value: (r) => (r.count === 1000 ? `${verdict(r.timeRatio, GOALS.synthTimesBaseline)} ${verdict(r.addedRssRatio, GOALS.synthTimesBaseline)}` : '') },
  ], rows);
}
