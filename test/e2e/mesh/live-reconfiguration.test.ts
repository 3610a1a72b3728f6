import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Chart } from 'cdk8s';
import { CanaryRoute } from '../../../constructs';
import type { LocalMesh } from '../../../runner';
import { call, service, startMesh } from './local-mesh-fixture';

const withCanaryWeight = (weight: number) => (chart: Chart) => {
  const reviews = service(chart, 'reviews', ['v1', 'v2']);
  new CanaryRoute(chart, 'reviews-route', { service: reviews, stable: 'v1', canary: 'v2', canaryWeight: weight });
};

let mesh: LocalMesh;
let rebuild: (build: (chart: Chart) => void) => void;
beforeAll(async () => {
  ({ mesh, rebuild } = await startMesh(withCanaryWeight(0)));
}, 90_000);
afterAll(() => mesh?.stop());

describe('live reconfiguration', () => {
  it('a weight change written by synth reaches traffic within a second, with zero failed requests', async () => {
    const seen: { at: number; status: number; servedBy: string | undefined }[] = [];
    let running = true;
    const load = (async () => {
      while (running) {
        const r = await call(mesh, 'reviews', '/reviews/1');
        seen.push({ at: performance.now(), status: r.status, servedBy: r.servedBy });
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const changedAt = performance.now();
    rebuild(withCanaryWeight(100));
    while (!seen.some((s) => s.at > changedAt && s.servedBy === 'reviews-v2-0') && performance.now() - changedAt < 5_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await load;

    const firstV2 = seen.find((s) => s.at > changedAt && s.servedBy === 'reviews-v2-0');
    expect(firstV2, 'no request reached v2 after the change').toBeDefined();
    expect(firstV2!.at - changedAt).toBeLessThan(1_000);
    expect(seen.filter((s) => s.at < changedAt).every((s) => s.servedBy === 'reviews-v1-0')).toBe(true);
    expect(seen.slice(-5).every((s) => s.servedBy === 'reviews-v2-0')).toBe(true);
    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
  });
});
