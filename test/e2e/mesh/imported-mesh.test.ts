import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInputs } from '../../../cli/import-command';
import { analyzeMesh, parseResource } from '../../../lib';
import { importObjects } from '../../../lib/migrate';
import type { LocalMesh } from '../../../runner';
import { call, expectTenPercentFaults, expectTimeoutAfterThreeTries, many, metric, startMesh } from './local-mesh-fixture';

// The native tests' meshes (traffic-split.test.ts, resilience.test.ts) written as Istio, Linkerd,
// SMI and Gateway API YAML, imported, and run: the same outcomes must follow.
const imported = importObjects(readInputs([path.join(__dirname, '../../fixtures/migrate/shop')]));
const FQDN = (svc: string) => `outbound|9080||${svc}.shop.svc.cluster.local`;

let mesh: LocalMesh;
beforeAll(async () => {
  ({ mesh } = await startMesh((chart) => imported.resources.forEach((r, i) => new ApiObject(chart, `imported-${i}`, r))));
}, 90_000);
afterAll(() => mesh?.stop());

const app = (svc: string) => mesh.of(svc)[0]!.app;

async function servedBy(n: number, svc: string, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const r of await many(n, 50, () => call(mesh, svc, '/x', headers))) {
    expect(r.status).toBe(200);
    counts[r.servedBy!] = (counts[r.servedBy!] ?? 0) + 1;
  }
  return counts;
}

describe('an imported mesh on a local mesh', () => {
  it('is carried over whole and meshform analyze accepts it clean', () => {
    expect(imported.notes.filter((n) => n.severity === 'dropped')).toEqual([]);
    expect(analyzeMesh(imported.resources.map((r) => parseResource(r)))).toEqual([]);
  });

  it('Istio: splits reviews 90/10 between v1 and v2 within ±3% over 2000 requests', async () => {
    const counts = await servedBy(2000, 'reviews');
    expect(Object.keys(counts).sort()).toEqual(['reviews-v1-0', 'reviews-v2-0']);
    expect(counts['reviews-v2-0']! / 2000).toBeGreaterThan(0.07);
    expect(counts['reviews-v2-0']! / 2000).toBeLessThan(0.13);
  });

  it('Istio: sends the canary header to v2 only; jason, cookie user=premium and ?test=true to v3', async () => {
    expect(await servedBy(50, 'reviews', { canary: 'true' })).toEqual({ 'reviews-v2-0': 50 });
    expect(await servedBy(20, 'reviews', { 'end-user': 'jason' })).toEqual({ 'reviews-v3-0': 20 });
    expect(await servedBy(20, 'reviews', { cookie: 'theme=dark; user=premium' })).toEqual({ 'reviews-v3-0': 20 });
    expect((await call(mesh, 'reviews', '/reviews/1?test=true')).servedBy).toBe('reviews-v3-0');
  });

  it('SMI: splits catalog 3:1 between its backend services within ±4% over 2000 requests', async () => {
    const counts = await servedBy(2000, 'catalog');
    expect(Object.keys(counts).sort()).toEqual(['catalog-v1-0', 'catalog-v2-0']);
    expect(counts['catalog-v2-0']! / 2000).toBeGreaterThan(0.21);
    expect(counts['catalog-v2-0']! / 2000).toBeLessThan(0.29);
  });

  it('Gateway API: routes end-user jason to books-v2, everyone else to books-v1', async () => {
    expect(await servedBy(20, 'books', { 'end-user': 'jason' })).toEqual({ 'books-v2-0': 20 });
    expect(await servedBy(20, 'books')).toEqual({ 'books-v1-0': 20 });
  });

  it('Istio: retries an upstream that fails the first two attempts; the third succeeds and the retry counter says 2', async () => {
    const before = await metric(mesh.ingress.adminAddress, 'meshform_upstream_retries_total', { cluster: FQDN('flaky') });
    app('flaky').setKnobs({ failNext: 2 });
    expect((await call(mesh, 'flaky', '/x')).status).toBe(200);
    expect(app('flaky').stats().failNext).toBe(0);
    expect((await metric(mesh.ingress.adminAddress, 'meshform_upstream_retries_total', { cluster: FQDN('flaky') })) - before).toBe(2);
  });

  it('Istio: answers 504 after the route timeout and honours the per-try timeout', async () => {
    await expectTimeoutAfterThreeTries(mesh, 'slow');
  });

  it('Istio: delays about 10% and aborts about 10% with 500 (binomial tolerance)', async () => {
    await expectTenPercentFaults(mesh, 'faulty');
  });

  it('Linkerd: the ServiceProfile\'s retry budget stops a retry storm when everything fails', async () => {
    app('storm').setKnobs({ failureRate: 1 });
    const served = app('storm').stats().requests;
    const results = await many(100, 20, () => call(mesh, 'storm', '/x'));
    app('storm').setKnobs({ failureRate: 0 });
    expect(results.every((r) => r.status >= 500)).toBe(true);
    // Without a budget 100 requests × (1 + 2 retries) = 300 attempts; 10% (at least 1/s) allows a few tens.
    expect(app('storm').stats().requests - served).toBeGreaterThanOrEqual(100);
    expect(app('storm').stats().requests - served).toBeLessThan(200);
  });
});
