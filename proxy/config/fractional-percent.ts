interface FractionalPercentMessage {
  numerator?: number;
  denominator?: string;
}

const DENOMINATORS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

/** An envoy.type.v3.FractionalPercent as a probability in [0, 1]. */
export function fractionOf(percent: FractionalPercentMessage | null | undefined, fallback: number): number {
  if (!percent) return fallback;
  const denominator = DENOMINATORS[percent.denominator ?? 'HUNDRED'] ?? 100;
  return Math.min(1, (percent.numerator ?? 0) / denominator);
}
