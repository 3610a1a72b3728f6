import type { InstanceRates } from '../../lib/dashboard';

/** One window of traffic: every sidecar's per-second rates. */
export interface TrafficWindow {
  readonly rates: readonly InstanceRates[];
  /** Seconds the rates are averaged over. */
  readonly seconds: number;
}

/** Where the dashboard's traffic figures come from: the sidecars themselves, or Prometheus. */
export interface TrafficSource {
  readonly kind: 'sidecars' | 'prometheus';
  /** What the page shows beside the figures (how many sidecars, the Prometheus URL). */
  readonly detail: string;
  /** The latest window; undefined until one exists (a first scrape has nothing to compare with). */
  collect(): Promise<TrafficWindow | undefined>;
}
