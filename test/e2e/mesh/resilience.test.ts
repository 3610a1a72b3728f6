import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend, CircuitBreaker, FaultInjection, Hash, LoadBalancer, Retry, Timeout, TrafficMirror, TrafficRoute, Workload } from '../../../constructs';
import type { LocalMesh } from '../../../runner';
import { call, expectTenPercentFaults, expectTimeoutAfterThreeTries, many, metric, service, startMesh, tally } from './local-mesh-fixture';

const FQDN = (svc: string) => `outbound|9080||${svc}.shop.svc.cluster.local`;
const replicas = (n: number) => ({ workload: Workload.image('meshform/demo:test', { replicas: n }) });

let mesh: LocalMesh;
beforeAll(async () => {
  ({ mesh } = await startMesh((chart) => {
    const flaky = service(chart, 'flaky');
    new TrafficRoute(chart, 'flaky-route', { service: flaky, rules: [{ name: 'all', backends: [Backend.service(flaky)], retry: Retry.on('5xx').attempts(3).budget({ retryRatio: 0.1, minRetriesPerSecond: 1, ttl: '10s' }) }] });

    const slow = service(chart, 'slow');
    new TrafficRoute(chart, 'slow-route', {
      service: slow,
      rules: [
        { name: 'per-try', matches: [], backends: [Backend.service(slow)], timeout: Timeout.of('400ms'), retry: Retry.on('5xx', 'reset', 'gateway-error').attempts(2).perTryTimeout('100ms') },
      ],
    });

    const faulty = service(chart, 'faulty');
    new TrafficRoute(chart, 'faulty-route', { service: faulty, rules: [{ name: 'chaos', backends: [Backend.service(faulty)], fault: FaultInjection.delay('800ms', { percent: 10 }).and(FaultInjection.abort(500, { percent: 10 })) }] });

    const limited = service(chart, 'limited');
    new CircuitBreaker(chart, 'limited-cb', { service: limited, connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, http2MaxRequests: 1 } } });

    const ejector = service(chart, 'ejector', [], replicas(2));
    new CircuitBreaker(chart, 'ejector-cb', { service: ejector, outlierDetection: { consecutive5xxErrors: 5, interval: '100ms', baseEjectionTime: '1s', maxEjectionPercent: 50 } });

    const balanced = service(chart, 'balanced', [], replicas(2));
    new CircuitBreaker(chart, 'balanced-lb', { service: balanced, loadBalancer: LoadBalancer.leastRequest(), connectionPool: { http: { http2MaxRequests: 1000 } } });

    const sticky = service(chart, 'sticky', [], replicas(3));
    new CircuitBreaker(chart, 'sticky-lb', { service: sticky, loadBalancer: LoadBalancer.consistentHash(Hash.cookie('user', { ttl: '1h' })), connectionPool: { http: { http2MaxRequests: 1000 } } });

    const shadow = service(chart, 'shadow');
    const mirrored = service(chart, 'mirrored');
    new TrafficRoute(chart, 'mirrored-route', { service: mirrored, rules: [{ name: 'mirror', backends: [Backend.service(mirrored)], mirror: TrafficMirror.to(shadow, { percent: 50 }) }] });
  }));
}, 90_000);
afterAll(() => mesh?.stop());

const app = (svc: string, i = 0) => mesh.of(svc)[i]!.app;

describe('resilience on a local mesh', () => {
  it('retries an upstream that fails the first two attempts; the third succeeds and the retry counter says 2', async () => {
    const before = await metric(mesh.ingress.adminAddress, 'meshform_upstream_retries_total', { cluster: FQDN('flaky') });
    app('flaky').setKnobs({ failNext: 2 });
    const r = await call(mesh, 'flaky', '/x');
    expect(r.status).toBe(200);
    expect(app('flaky').stats().failNext).toBe(0);
    expect((await metric(mesh.ingress.adminAddress, 'meshform_upstream_retries_total', { cluster: FQDN('flaky') })) - before).toBe(2);
  });

  it('stops a retry storm with the retry budget when everything fails', async () => {
    app('flaky').setKnobs({ failureRate: 1 });
    const served = app('flaky').stats().requests;
    const results = await many(100, 20, () => call(mesh, 'flaky', '/x'));
    app('flaky').setKnobs({ failureRate: 0 });
    expect(results.every((r) => r.status === 503)).toBe(true);
    const attempts = app('flaky').stats().requests - served;
    // Without a budget 100 requests × (1 + 3 retries) = 400 attempts; the budget (10% of requests,
    // at least 1/s over 10 s) allows a few tens, depending on how the window lines up.
    expect(attempts).toBeGreaterThanOrEqual(100);
    expect(attempts).toBeLessThan(200);
  });

  it('answers 504 after the route timeout and honours the per-try timeout', async () => {
    await expectTimeoutAfterThreeTries(mesh, 'slow');
  });

  it('delays about 10% and aborts about 10% with 500 (binomial tolerance)', async () => {
    await expectTenPercentFaults(mesh, 'faulty');
  });

  it('answers concurrent excess with 503 at once when maxConnections 1 / pending 1 are taken', async () => {
    app('limited').setKnobs({ latencyMs: 500 });
    const before = await metric(mesh.ingress.adminAddress, 'meshform_upstream_overflows_total', { cluster: FQDN('limited') });
    const results = await many(10, 10, () => call(mesh, 'limited', '/x'));
    app('limited').setKnobs({ latencyMs: 0 });
    const refused = results.filter((r) => r.status === 503);
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(7);
    expect(Math.max(...refused.map((r) => r.ms))).toBeLessThan(400);
    expect((await metric(mesh.ingress.adminAddress, 'meshform_upstream_overflows_total', { cluster: FQDN('limited') })) - before).toBe(refused.length);
  });

  it('ejects an endpoint after 5 consecutive 5xx, respects max ejection percent, and returns it after the base ejection time', async () => {
    const [bad, good] = [app('ejector', 0), app('ejector', 1)];
    bad.setKnobs({ failureRate: 1 });
    const first = await many(40, 1, () => call(mesh, 'ejector', '/x'));
    const failures = first.filter((r) => r.status !== 200).length;
    expect(failures).toBeGreaterThanOrEqual(5);
    expect(failures).toBeLessThanOrEqual(10);
    const after = await many(20, 1, () => call(mesh, 'ejector', '/x'));
    expect(after.every((r) => r.status === 200)).toBe(true);

    good.setKnobs({ failureRate: 1 });
    const bothBad = await many(20, 1, () => call(mesh, 'ejector', '/x'));
    // 50% of two endpoints: the second is never ejected, so requests keep reaching it.
    expect(bothBad.some((r) => r.servedBy === undefined || r.status === 503)).toBe(true);
    expect(await metric(mesh.ingress.adminAddress, 'meshform_outlier_ejections_total', { cluster: FQDN('ejector') })).toBe(1);
    bad.setKnobs({ failureRate: 0 });
    good.setKnobs({ failureRate: 0 });

    await new Promise((r) => setTimeout(r, 1_500));
    const back = tally((await many(20, 1, () => call(mesh, 'ejector', '/x'))).map((r) => r.servedBy));
    expect(back.get('ejector-0')).toBeGreaterThan(0);
    expect(back.get('ejector-1')).toBeGreaterThan(0);
  });

  it('least request prefers the idle endpoint', async () => {
    // With 4 requests always in flight, the slow endpoint holds its requests while the fast one is idle.
    app('balanced', 0).setKnobs({ latencyMs: 300 });
    const results = await many(120, 4, () => call(mesh, 'balanced', '/x'));
    app('balanced', 0).setKnobs({ latencyMs: 0 });
    const counts = tally(results.map((r) => r.servedBy));
    // Random or round robin would split about 60/60 (sd ≈ 5.5); least request sends most to the idle one.
    expect(counts.get('balanced-1')!).toBeGreaterThan(1.5 * (counts.get('balanced-0') ?? 0));
  });

  it('keeps a user on one endpoint with a cookie hash, and issues the cookie when missing', async () => {
    const alice = tally((await many(30, 5, () => call(mesh, 'sticky', '/x', { cookie: 'user=alice' }))).map((r) => r.servedBy));
    expect(alice.size).toBe(1);
    const users = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((u) => call(mesh, 'sticky', '/x', { cookie: `user=${u}` })));
    expect(new Set(users.map((u) => u.servedBy)).size).toBeGreaterThan(1);
    const fresh = await call(mesh, 'sticky', '/x');
    expect(String(fresh.headers['set-cookie'])).toMatch(/^user=/);
  });

  it('mirrors about half the requests to the shadow, whose answer and latency never reach the caller', async () => {
    // The shadow is slow enough that its latency could not hide in a loaded machine's noise.
    app('shadow').setKnobs({ latencyMs: 3_000, failureRate: 1 });
    const shadowBefore = app('shadow').stats().requests;
    const results = await many(200, 20, () => call(mesh, 'mirrored', '/x'));
    expect(results.every((r) => r.status === 200 && r.servedBy === 'mirrored-0')).toBe(true);
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(2_000);
    await new Promise((r) => setTimeout(r, 500));
    const mirroredCount = app('shadow').stats().requests - shadowBefore;
    // n=200, p=0.5: sd ≈ 7.
    expect(mirroredCount).toBeGreaterThan(70);
    expect(mirroredCount).toBeLessThan(130);
    app('shadow').setKnobs({ latencyMs: 0, failureRate: 0 });
  });
});
