import { parseDuration, type CanarySpec, type CanaryStatus } from '../api';
import type { CanaryEvent, CanaryCheck, CanarySummary } from './dashboard-snapshot';

/**
 * The events one status change means for the canary's history: its start, a weight step, a failed
 * check, the promotion or the rollback (newest last).
 */
export function canaryEvents(before: CanaryStatus | undefined, after: CanaryStatus, at: string): CanaryEvent[] {
  const event = (kind: CanaryEvent['kind'], message: string): CanaryEvent => ({ at, kind, weight: after.canaryWeight, message });
  if (!before) return [event('start', `${after.phase} at ${after.canaryWeight}%`)];
  const events: CanaryEvent[] = [];
  const newCheck = after.lastCheck && after.lastCheck.time !== before.lastCheck?.time ? after.lastCheck : undefined;
  if (newCheck && !newCheck.passed && after.failedChecks > before.failedChecks) events.push(event('check-failed', `${newCheck.message} (${after.failedChecks} failed)`));
  if (after.phase !== before.phase && after.phase === 'Succeeded') events.push(event('promote', `promoted: ${newCheck?.message ?? 'all traffic to the canary'}`));
  else if (after.phase !== before.phase && after.phase === 'Failed') events.push(event('rollback', `rolled back after ${after.failedChecks} failed checks`));
  else if (after.canaryWeight !== before.canaryWeight) events.push(event('step', `weight ${before.canaryWeight}% → ${after.canaryWeight}%${newCheck ? `: ${newCheck.message}` : ''}`));
  return events;
}

/** The two checks the driver judges, from its last measurement against the Canary's thresholds. */
function checks(spec: CanarySpec, status: CanaryStatus): CanaryCheck[] {
  const last = status.lastCheck;
  const successRate = last?.successRate ?? null;
  const p99 = last?.latencyP99Ms ?? null;
  const latencyMax = parseDuration(spec.analysis.latencyP99Max);
  return [
    { name: 'success rate (%)', value: successRate, threshold: spec.analysis.successRateMin, passed: successRate !== null && successRate >= spec.analysis.successRateMin },
    { name: 'p99 latency (ms)', value: p99, threshold: latencyMax, passed: p99 !== null && p99 <= latencyMax },
  ];
}

/** A canary as the dashboard shows it; `step` counts the weight schedule's steps taken (0 once rolled back). */
export function canarySummary(namespace: string, name: string, spec: CanarySpec, status: CanaryStatus, history: readonly CanaryEvent[]): CanarySummary {
  const { stepWeight, maxWeight } = spec.analysis;
  const step = status.canaryWeight === 0 ? 0 : Math.ceil(Math.min(status.canaryWeight, maxWeight) / stepWeight);
  return { namespace, name, service: spec.service.name, phase: status.phase, step, weight: status.canaryWeight, checks: checks(spec, status), history };
}
