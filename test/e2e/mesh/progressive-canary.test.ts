import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryRoute } from '../../../constructs';
import type { LocalMesh } from '../../../runner';
import { canaryUntil, servedBy, service, startMesh, steadyLoad, weightSteps } from './local-mesh-fixture';

const analysis = { interval: '1s', stepWeight: 25, maxWeight: 50, threshold: 2, successRateMin: 95, latencyP99Max: '1s', minRequests: 5 };

let mesh: LocalMesh;
let stopLoad: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ mesh } = await startMesh((chart) => {
    for (const name of ['healthy', 'failing']) {
      const svc = service(chart, name, ['v1', 'v2']);
      new CanaryRoute(chart, `${name}-route`, { service: svc, stable: 'v1', canary: 'v2', analysis });
    }
  }));
  mesh.of('failing', 'v2')[0]!.app.setKnobs({ failureRate: 1 });
  stopLoad = steadyLoad(mesh, ['healthy', 'failing']);
}, 90_000);
afterAll(async () => {
  await stopLoad?.();
  await mesh?.stop();
});

describe('progressive canary driven by the controller', () => {
  it('steps a healthy canary 25 → 50 and promotes it, then all traffic goes to it', async () => {
    const seen = await canaryUntil(mesh, 'shop/healthy-route', 'Succeeded');
    expect(weightSteps(seen)).toEqual([25, 50, 100]);
    expect(seen.at(-1)!.lastCheck!.passed).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await servedBy(mesh, 'healthy', 40)).toEqual(new Map([['healthy-v2-0', 40]]));
  });

  it('rolls a failing canary back after the failed checks, then no traffic goes to it', async () => {
    const seen = await canaryUntil(mesh, 'shop/failing-route', 'Failed');
    expect(seen.at(-1)).toMatchObject({ phase: 'Failed', canaryWeight: 0, failedChecks: 2 });
    expect(seen.at(-1)!.lastCheck!.message).toMatch(/below 95%/);
    await new Promise((r) => setTimeout(r, 500));
    expect(await servedBy(mesh, 'failing', 40)).toEqual(new Map([['failing-v1-0', 40]]));
  });
});
