/** One bucket of fortio's latency histogram, in seconds. */
export interface Bucket {
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

/**
 * Latency percentiles over the buckets of several runs. Interleaved rounds each produce their own
 * histogram; fortio's bucket edges are fixed by its resolution, so pooling the buckets and walking
 * them gives the percentile of all the requests together (not an average of per-round percentiles).
 * Within a bucket the value is interpolated linearly, as fortio does.
 */
export function percentileMs(buckets: readonly Bucket[], p: number): number {
  const sorted = [...buckets].filter((b) => b.count > 0).sort((a, b) => a.end - b.end || a.start - b.start);
  const total = sorted.reduce((n, b) => n + b.count, 0);
  if (total === 0) return Number.NaN;
  const target = (p / 100) * total;
  let seen = 0;
  for (const b of sorted) {
    if (seen + b.count >= target) return (b.start + ((target - seen) / b.count) * (b.end - b.start)) * 1000;
    seen += b.count;
  }
  return sorted.at(-1)!.end * 1000;
}
