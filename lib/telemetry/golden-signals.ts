import type { Sample } from './prometheus-text';

/** Golden signals of one service (and route) over a window, like `linkerd viz stat`. */
export interface GoldenSignals {
  readonly service: string;
  readonly route: string;
  readonly requests: number;
  readonly rps: number;
  /** Share of non-5xx answers, 0..1; undefined without requests. */
  readonly successRate?: number;
  readonly p50Ms?: number;
  readonly p95Ms?: number;
  readonly p99Ms?: number;
}

const REQUESTS = 'meshform_requests_total';
const BUCKETS = 'meshform_request_duration_seconds_bucket';

/** Which row a series counts toward. */
export type SignalGroup = (labels: Readonly<Record<string, string>>) => { readonly service: string; readonly route: string };

const byServiceAndRoute: SignalGroup = (labels) => ({ service: labels.destination_service ?? '', route: labels.route ?? '' });

/**
 * Signals from two scrapes of the server-side (inbound) metrics of every sidecar, `seconds` apart:
 * counter deltas give the rate and success rate, bucket deltas the latency quantiles (interpolated
 * within a bucket as PromQL's histogram_quantile does).
 */
export function goldenSignals(before: readonly Sample[], after: readonly Sample[], seconds: number, group: SignalGroup = byServiceAndRoute): GoldenSignals[] {
  const delta = (name: string) => {
    const sum = new Map<string, number>();
    const add = (s: Sample, sign: number) => {
      const { service, route } = group(s.labels);
      const id = `${service}\u0000${route}\u0000${s.labels.response_code ?? ''}\u0000${s.labels.le ?? ''}`;
      sum.set(id, (sum.get(id) ?? 0) + sign * s.value);
    };
    for (const s of after) if (s.name === name && s.labels.direction === 'inbound') add(s, 1);
    for (const s of before) if (s.name === name && s.labels.direction === 'inbound') add(s, -1);
    return sum;
  };
  const requests = delta(REQUESTS);
  const buckets = delta(BUCKETS);
  const rows = new Map<string, { total: number; ok: number; buckets: Map<number, number> }>();
  for (const [id, n] of requests) {
    const [service, route, code] = id.split('\u0000');
    const row = rows.get(`${service}\u0000${route}`) ?? { total: 0, ok: 0, buckets: new Map() };
    row.total += n;
    if (!/^5/.test(code!)) row.ok += n;
    rows.set(`${service}\u0000${route}`, row);
  }
  for (const [id, n] of buckets) {
    const [service, route, , le] = id.split('\u0000');
    const row = rows.get(`${service}\u0000${route}`);
    if (!row) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    row.buckets.set(bound, (row.buckets.get(bound) ?? 0) + n);
  }
  return [...rows.entries()]
    .map(([key, row]) => {
      const [service, route] = key.split('\u0000') as [string, string];
      const q = (p: number) => quantileMs(row.buckets, p);
      return {
        service,
        route,
        requests: row.total,
        rps: row.total / seconds,
        ...(row.total > 0 ? { successRate: row.ok / row.total } : {}),
        ...(row.total > 0 ? { p50Ms: q(0.5), p95Ms: q(0.95), p99Ms: q(0.99) } : {}),
      };
    })
    .sort((a, b) => a.service.localeCompare(b.service) || a.route.localeCompare(b.route));
}

/** histogram_quantile over cumulative buckets (upper bound → count), in milliseconds. */
export function quantileMs(buckets: ReadonlyMap<number, number>, q: number): number | undefined {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Infinity) return lowerBound * 1000;
      const inBucket = count - lowerCount;
      const fraction = inBucket > 0 ? (rank - lowerCount) / inBucket : 1;
      return (lowerBound + (bound - lowerBound) * fraction) * 1000;
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound * 1000;
}
