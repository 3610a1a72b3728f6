import { quantileMs } from '../telemetry';
import type { GoldenSignals } from './dashboard-snapshot';

/** Requests per second, the share that succeeded (neither 5xx nor refused by a policy) and latency bucket rates, added up from sidecar samples. */
export class SignalTally {
  rps = 0;
  okRps = 0;
  /** Cumulative bucket upper bound (seconds, Infinity for +Inf) → rate. */
  readonly buckets = new Map<number, number>();

  /** `denied`: refused by an AccessPolicy or JwtPolicy; a caller refused did not succeed, though no 5xx says so. */
  addRequests(responseCode: string, rps: number, denied = false): void {
    this.rps += rps;
    if (!denied && !responseCode.startsWith('5')) this.okRps += rps;
  }

  addBucket(le: string, rate: number): void {
    const bound = le === '+Inf' ? Infinity : Number(le);
    this.buckets.set(bound, (this.buckets.get(bound) ?? 0) + rate);
  }

  /** `latency`: other buckets to take p99 from (the caller's view of an edge). @default this tally's */
  signals(latency: ReadonlyMap<number, number> = this.buckets): GoldenSignals {
    if (this.rps <= 0) return { rps: 0, successRate: null, p99Ms: null };
    return { rps: this.rps, successRate: this.okRps / this.rps, p99Ms: quantileMs(latency, 0.99) ?? null };
  }
}
