/** On-demand prices in US dollars. */
export interface Prices {
  readonly vcpuHour: number;
  readonly gibHour: number;
}

/** Google Compute Engine E2, us-central1, on-demand, as listed in 2025 (docs/cost.md); `--price-*` override them. */
export const DEFAULT_PRICES: Prices = { vcpuHour: 0.021811, gibHour: 0.002923 };

/** The hours of an average month (8760 / 12), as cloud price calculators count them. */
export const HOURS_PER_MONTH = 730;

/** What holding `vcpu` and `gib` costs for a month. */
export const monthlyUsd = (r: { vcpu: number; gib: number }, prices: Prices): number => HOURS_PER_MONTH * (r.vcpu * prices.vcpuHour + r.gib * prices.gibHour);
