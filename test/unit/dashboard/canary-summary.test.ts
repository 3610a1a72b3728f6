import { describe, expect, it } from 'vitest';
import type { CanarySpec, CanaryStatus } from '../../../lib/api';
import { canaryEvents, canarySummary } from '../../../lib/dashboard';

const spec: CanarySpec = { service: { name: 'reviews' }, route: 'reviews', stableVersion: 'v1', canaryVersion: 'v2', analysis: { interval: '10s', stepWeight: 20, maxWeight: 60, threshold: 2, successRateMin: 99, latencyP99Max: '500ms', minRequests: 10 } };
const at = '2026-12-04T09:00:00.000Z';
const check = (time: string, passed: boolean, successRate: number, latencyP99Ms: number) => ({ time, passed, successRate, latencyP99Ms, message: passed ? 'within thresholds' : `success rate ${successRate}% is below 99%` });

describe('canary history events', () => {
  it('records the start, then a step naming the check that allowed it', () => {
    const start: CanaryStatus = { phase: 'Progressing', canaryWeight: 20, failedChecks: 0 };
    expect(canaryEvents(undefined, start, at)).toEqual([{ at, kind: 'start', weight: 20, message: 'Progressing at 20%' }]);
    const stepped: CanaryStatus = { ...start, canaryWeight: 40, lastCheck: check('t1', true, 100, 12) };
    expect(canaryEvents(start, stepped, at)).toEqual([{ at, kind: 'step', weight: 40, message: 'weight 20% → 40%: within thresholds' }]);
  });

  it('records a failed check, and the rollback when the threshold is reached', () => {
    const before: CanaryStatus = { phase: 'Progressing', canaryWeight: 40, failedChecks: 0 };
    const failed: CanaryStatus = { ...before, failedChecks: 1, lastCheck: check('t2', false, 80, 12) };
    expect(canaryEvents(before, failed, at).map((e) => e.kind)).toEqual(['check-failed']);
    const rolledBack: CanaryStatus = { phase: 'Failed', canaryWeight: 0, failedChecks: 2, lastCheck: check('t3', false, 70, 12) };
    expect(canaryEvents(failed, rolledBack, at)).toEqual([
      { at, kind: 'check-failed', weight: 0, message: 'success rate 70% is below 99% (2 failed)' },
      { at, kind: 'rollback', weight: 0, message: 'rolled back after 2 failed checks' },
    ]);
  });

  it('records the promotion, and nothing for a status that did not change', () => {
    const before: CanaryStatus = { phase: 'Progressing', canaryWeight: 60, failedChecks: 0 };
    const promoted: CanaryStatus = { phase: 'Succeeded', canaryWeight: 100, failedChecks: 0, lastCheck: check('t4', true, 100, 9) };
    expect(canaryEvents(before, promoted, at)).toEqual([{ at, kind: 'promote', weight: 100, message: 'promoted: within thresholds' }]);
    expect(canaryEvents(promoted, { ...promoted }, at)).toEqual([]);
  });
});

describe('canary summary', () => {
  it("gives the step of the weight schedule and each check's value against its threshold", () => {
    const status: CanaryStatus = { phase: 'Progressing', canaryWeight: 40, failedChecks: 1, lastCheck: check('t', false, 98.5, 620) };
    expect(canarySummary('shop', 'reviews', spec, status, [])).toEqual({
      namespace: 'shop',
      name: 'reviews',
      service: 'reviews',
      phase: 'Progressing',
      step: 2,
      weight: 40,
      checks: [
        { name: 'success rate (%)', value: 98.5, threshold: 99, passed: false },
        { name: 'p99 latency (ms)', value: 620, threshold: 500, passed: false },
      ],
      history: [],
    });
  });

  it('has no values and step 0 before a check and after a rollback', () => {
    const summary = canarySummary('shop', 'reviews', spec, { phase: 'Failed', canaryWeight: 0, failedChecks: 2 }, []);
    expect(summary.step).toBe(0);
    expect(summary.checks.map((c) => [c.value, c.passed])).toEqual([[null, false], [null, false]]);
  });
});
