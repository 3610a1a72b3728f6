import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInputs } from '../../../cli/import-command';
import { importObjects } from '../../../lib/migrate';
import type { LocalMesh } from '../../../runner';
import { canaryUntil, servedBy, startMesh, steadyLoad, weightSteps } from './local-mesh-fixture';

// progressive-canary.test.ts's two rollouts written as Flagger Canaries, imported, and run: the
// same outcomes must follow (Flagger's primary and canary are versions "primary" and "canary").
const imported = importObjects(readInputs([path.join(__dirname, '../../fixtures/migrate/canary')]));

let mesh: LocalMesh;
let stopLoad: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ mesh } = await startMesh((chart) => imported.resources.forEach((r, i) => new ApiObject(chart, `imported-${i}`, r))));
  mesh.of('failing', 'canary')[0]!.app.setKnobs({ failureRate: 1 });
  stopLoad = steadyLoad(mesh, ['healthy', 'failing']);
}, 90_000);
afterAll(async () => {
  await stopLoad?.();
  await mesh?.stop();
});

describe('an imported Flagger canary on a local mesh', () => {
  it('is carried over whole: a Canary over a route of the primary and canary versions', () => {
    expect(imported.notes.filter((n) => n.severity === 'dropped')).toEqual([]);
    expect(imported.resources.map((r) => `${r.kind} ${r.metadata.name}`).sort()).toEqual(
      ['Canary failing', 'Canary healthy', 'MeshService failing', 'MeshService healthy', 'TrafficRoute failing', 'TrafficRoute healthy'],
    );
  });

  it('steps a healthy canary 25 → 50 and promotes it, then all traffic goes to it', async () => {
    const seen = await canaryUntil(mesh, 'shop/healthy', 'Succeeded');
    expect(weightSteps(seen)).toEqual([25, 50, 100]);
    expect(seen.at(-1)!.lastCheck!.passed).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await servedBy(mesh, 'healthy', 40)).toEqual(new Map([['healthy-canary-0', 40]]));
  });

  it('rolls a failing canary back after the failed checks, then no traffic goes to it', async () => {
    const seen = await canaryUntil(mesh, 'shop/failing', 'Failed');
    expect(seen.at(-1)).toMatchObject({ phase: 'Failed', canaryWeight: 0, failedChecks: 2 });
    expect(seen.at(-1)!.lastCheck!.message).toMatch(/below 95%/);
    await new Promise((r) => setTimeout(r, 500));
    expect(await servedBy(mesh, 'failing', 40)).toEqual(new Map([['failing-primary-0', 40]]));
  });
});
