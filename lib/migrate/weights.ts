/**
 * Relative weights (SMI, Gateway API, Linkerd's dstOverrides) as whole percents adding up to 100,
 * by largest remainder; `exact` is false when rounding changed a share.
 */
export function percents(weights: readonly number[]): { percents: number[]; exact: boolean } {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return { percents: weights.map((_, i) => (i === 0 ? 100 : 0)), exact: weights.length <= 1 };
  const raw = weights.map((w) => (w * 100) / total);
  const out = raw.map(Math.floor);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; k < 100 - out.reduce((a, b) => a + b, 0); k++) out[order[k]![1]]! += 1;
  return { percents: out, exact: raw.every((r, i) => r === out[i]) };
}

/** A Kubernetes quantity weight ("500m", "1", 2) as a number. */
export function quantity(value: unknown): number {
  const text = String(value);
  return text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
}
