import type { Sample } from '../telemetry';

/** The metrics the dashboard reads from a sidecar: request counts and latency buckets. */
export const DASHBOARD_METRICS: ReadonlySet<string> = new Set(['meshform_requests_total', 'meshform_request_duration_seconds_bucket']);

/**
 * Per-second rates of one workload instance's sidecar over a window: samples whose value is a rate,
 * labelled as the sidecar labels them. Local mode computes them from two scrapes; with Prometheus
 * they are `rate(…[window])` per pod.
 */
export interface InstanceRates {
  /** The workload instance (pod or local process) whose sidecar counted them. */
  readonly namespace: string;
  readonly name: string;
  readonly samples: readonly Sample[];
}

const seriesKey = (s: Sample) => `${s.name}\u0000${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join('\u0000')}`;

/**
 * Rates from two scrapes of one sidecar `seconds` apart: each counter's delta over the window. A
 * counter lower than before restarted (the sidecar did), so its whole value counts, as PromQL's
 * rate() has it; a series absent before started at zero. Counts that did not move are dropped.
 */
export function ratesBetween(before: readonly Sample[], after: readonly Sample[], seconds: number): Sample[] {
  const previous = new Map(before.filter((s) => DASHBOARD_METRICS.has(s.name)).map((s) => [seriesKey(s), s.value]));
  return after
    .filter((s) => DASHBOARD_METRICS.has(s.name))
    .map((s) => {
      const old = previous.get(seriesKey(s)) ?? 0;
      const delta = s.value >= old ? s.value - old : s.value;
      return { ...s, value: delta / seconds };
    })
    .filter(moved);
}

/**
 * Whether a rate says anything: a request count that moved, or any latency bucket (an empty bucket
 * below the first full one is the lower bound that p99's interpolation starts from).
 */
export function moved(rate: Sample): boolean {
  return rate.value > 0 || rate.name.endsWith('_bucket');
}
