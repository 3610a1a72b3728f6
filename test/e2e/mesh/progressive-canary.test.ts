import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryStatus } from '../../../lib/api';
import { CanaryRoute } from '../../../constructs';
import type { LocalMesh } from '../../../runner';
import { call, service, startMesh, tally } from './local-mesh-fixture';

const analysis = { interval: '1s', stepWeight: 25, maxWeight: 50, threshold: 2, successRateMin: 95, latencyP99Max: '1s', minRequests: 5 };

let mesh: LocalMesh;
let running = true;
let load: Promise<void>;
beforeAll(async () => {
  ({ mesh } = await startMesh((chart) => {
    for (const name of ['healthy', 'failing']) {
      const svc = service(chart, name, ['v1', 'v2']);
      new CanaryRoute(chart, `${name}-route`, { service: svc, stable: 'v1', canary: 'v2', analysis });
    }
  }));
  mesh.of('failing', 'v2')[0]!.app.setKnobs({ failureRate: 1 });
  // Steady traffic to both services: the canary checks read what their sidecars saw.
  load = (async () => {
    while (running) await Promise.all([call(mesh, 'healthy', '/x'), call(mesh, 'failing', '/x')]);
  })();
}, 90_000);
afterAll(async () => {
  running = false;
  await load;
  await mesh?.stop();
});

async function canaryStatus(name: string): Promise<CanaryStatus | undefined> {
  const all = (await (await fetch(`http://${mesh.controllerAdmin}/debug/canaries`)).json()) as Record<string, CanaryStatus>;
  return all[`shop/${name}-route`];
}

async function until(name: string, phase: CanaryStatus['phase']): Promise<CanaryStatus[]> {
  const seen: CanaryStatus[] = [];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const status = await canaryStatus(name);
    if (status && JSON.stringify(status) !== JSON.stringify(seen.at(-1))) seen.push(status);
    if (status?.phase === phase) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} never reached ${phase}; saw ${JSON.stringify(seen)}`);
}

const servedBy = async (svc: string, n: number) => tally(await Promise.all(Array.from({ length: n }, async () => (await call(mesh, svc, '/x')).servedBy)));

describe('progressive canary driven by the controller', () => {
  it('steps a healthy canary 25 → 50 and promotes it, then all traffic goes to it', async () => {
    const seen = await until('healthy', 'Succeeded');
    expect(seen.map((s) => s.canaryWeight).filter((w, i, all) => w !== all[i - 1])).toEqual([25, 50, 100]);
    expect(seen.at(-1)!.lastCheck!.passed).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await servedBy('healthy', 40)).toEqual(new Map([['healthy-v2-0', 40]]));
  });

  it('rolls a failing canary back after the failed checks, then no traffic goes to it', async () => {
    const seen = await until('failing', 'Failed');
    expect(seen.at(-1)).toMatchObject({ phase: 'Failed', canaryWeight: 0, failedChecks: 2 });
    expect(seen.at(-1)!.lastCheck!.message).toMatch(/below 95%/);
    await new Promise((r) => setTimeout(r, 500));
    expect(await servedBy('failing', 40)).toEqual(new Map([['failing-v1-0', 40]]));
  });
});
