import { parseDuration, type CanarySpec, type CanaryStatus } from '../api';
import type { GoldenSignals } from '../telemetry';

/** What one check of the canary's own metrics concluded. */
export interface CanaryCheck {
  readonly verdict: 'pass' | 'fail' | 'skip';
  readonly message: string;
  readonly successRate?: number;
  readonly latencyP99Ms?: number;
}

/**
 * Judges the canary's signals over one interval against the thresholds (Flagger's built-in
 * request-success-rate and request-duration): too few requests neither pass nor fail.
 */
export function checkCanary(signals: GoldenSignals | undefined, analysis: CanarySpec['analysis']): CanaryCheck {
  const requests = signals?.requests ?? 0;
  if (!signals || requests < analysis.minRequests || signals.successRate === undefined) {
    return { verdict: 'skip', message: `${requests} canary requests in the interval, fewer than minRequests ${analysis.minRequests}; no decision` };
  }
  const rate = signals.successRate * 100;
  const p99 = signals.p99Ms;
  const limitMs = parseDuration(analysis.latencyP99Max);
  const measured = { successRate: rate, ...(p99 !== undefined ? { latencyP99Ms: p99 } : {}) };
  if (rate < analysis.successRateMin) {
    return { verdict: 'fail', message: `success rate ${rate.toFixed(2)}% is below ${analysis.successRateMin}%`, ...measured };
  }
  if (p99 !== undefined && p99 > limitMs) {
    return { verdict: 'fail', message: `p99 latency ${Math.round(p99)}ms is above ${analysis.latencyP99Max}`, ...measured };
  }
  return { verdict: 'pass', message: `success rate ${rate.toFixed(2)}%, p99 ${p99 === undefined ? '-' : `${Math.round(p99)}ms`}: within thresholds`, ...measured };
}

/** The phase a canary starts in: its first step is taken at once, as Flagger does. */
export function initialCanaryStatus(analysis: CanarySpec['analysis']): CanaryStatus {
  return { phase: 'Progressing', canaryWeight: Math.min(analysis.stepWeight, analysis.maxWeight), failedChecks: 0 };
}

/**
 * One step of progressive delivery: a pass moves the weight up by stepWeight, and a pass at
 * maxWeight promotes (all traffic to the canary); `threshold` failed checks roll back (no traffic
 * to the canary). Finished canaries stay where they are.
 */
export function advanceCanary(status: CanaryStatus, check: CanaryCheck, analysis: CanarySpec['analysis'], time: string): CanaryStatus {
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return status;
  const lastCheck = {
    time,
    passed: check.verdict === 'pass',
    message: check.message,
    ...(check.successRate !== undefined ? { successRate: check.successRate } : {}),
    ...(check.latencyP99Ms !== undefined ? { latencyP99Ms: check.latencyP99Ms } : {}),
  };
  switch (check.verdict) {
    case 'skip':
      return { ...status, lastCheck };
    case 'fail': {
      const failedChecks = status.failedChecks + 1;
      return failedChecks >= analysis.threshold ? { phase: 'Failed', canaryWeight: 0, failedChecks, lastCheck } : { ...status, failedChecks, lastCheck };
    }
    case 'pass':
      if (status.canaryWeight >= analysis.maxWeight) return { phase: 'Succeeded', canaryWeight: 100, failedChecks: status.failedChecks, lastCheck };
      return { ...status, phase: 'Progressing', canaryWeight: Math.min(status.canaryWeight + analysis.stepWeight, analysis.maxWeight), lastCheck };
  }
}
