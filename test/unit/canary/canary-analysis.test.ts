import { describe, expect, it } from 'vitest';
import { canarySpec, type CanaryStatus } from '../../../lib/api';
import { advanceCanary, checkCanary, initialCanaryStatus, withCanaryWeight } from '../../../lib/canary';
import { parseResource } from '../../../lib/validation';
import type { GoldenSignals } from '../../../lib/telemetry';
import type { MeshResource } from '../../../lib/api';
import { fullResources } from '../../fixtures/full-resources';

const analysis = canarySpec.parse({ service: { name: 'reviews' }, route: 'reviews', stableVersion: 'v1', canaryVersion: 'v2', analysis: { stepWeight: 20, maxWeight: 60, threshold: 2, successRateMin: 99, latencyP99Max: '500ms', minRequests: 10 } }).analysis;
const signals = (requests: number, successRate: number, p99Ms: number): GoldenSignals => ({ service: 'reviews', route: '*', requests, rps: requests, successRate, p50Ms: p99Ms / 2, p95Ms: p99Ms, p99Ms });
const pass = checkCanary(signals(100, 1, 20), analysis);
const fail = checkCanary(signals(100, 0.9, 20), analysis);
const run = (checks: ReturnType<typeof checkCanary>[]) => checks.reduce<CanaryStatus[]>((states, c) => [...states, advanceCanary(states.at(-1)!, c, analysis, 't')], [initialCanaryStatus(analysis)]);

describe('canary checks', () => {
  it('passes within thresholds, fails below the success rate or above the p99, skips with too few requests', () => {
    expect(pass.verdict).toBe('pass');
    expect(fail).toMatchObject({ verdict: 'fail', message: 'success rate 90.00% is below 99%' });
    expect(checkCanary(signals(100, 1, 501), analysis)).toMatchObject({ verdict: 'fail', message: 'p99 latency 501ms is above 500ms' });
    expect(checkCanary(signals(9, 0, 9000), analysis).verdict).toBe('skip');
    expect(checkCanary(undefined, analysis).verdict).toBe('skip');
  });
});

describe('progressive delivery', () => {
  it('steps 20 → 40 → 60 on passing checks and promotes on the next pass', () => {
    expect(run([pass, pass, pass]).map((s) => [s.phase, s.canaryWeight])).toEqual([
      ['Progressing', 20],
      ['Progressing', 40],
      ['Progressing', 60],
      ['Succeeded', 100],
    ]);
  });

  it('rolls back after threshold failed checks, and stays finished', () => {
    const states = run([pass, fail, checkCanary(signals(3, 0, 1), analysis), fail, pass]);
    expect(states.map((s) => [s.phase, s.canaryWeight, s.failedChecks])).toEqual([
      ['Progressing', 20, 0],
      ['Progressing', 40, 0],
      ['Progressing', 40, 1],
      ['Progressing', 40, 1],
      ['Failed', 0, 2],
      ['Failed', 0, 2],
    ]);
    expect(states[4]!.lastCheck).toMatchObject({ passed: false, successRate: 90 });
  });
});

describe('the canary weight on a route', () => {
  it('sets the split rule and leaves header rules alone', () => {
    const route = parseResource(fullResources().TrafficRoute) as MeshResource<'TrafficRoute'>;
    const spec = canarySpec.parse({ service: { name: 'reviews' }, route: 'reviews', stableVersion: 'v1', canaryVersion: 'v2', analysis: {} });
    const out = withCanaryWeight(route, spec, 30);
    expect(out.spec.rules[0]!.backends.map((b) => [b.version, b.weight])).toEqual([
      ['v1', 70],
      ['v2', 30],
    ]);
    expect(out.spec.rules[1]).toBe(route.spec.rules[1]);
    expect(route.spec.rules[0]!.backends[0]!.weight).toBe(90);
  });
});
