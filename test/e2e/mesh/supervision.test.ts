import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workload } from '../../../constructs';
import type { LocalMesh, SupervisionEvent } from '../../../runner';
import { call, many, service, startMesh, tally } from './local-mesh-fixture';

let mesh: LocalMesh;
let manifests: string;
const events: SupervisionEvent[] = [];
const waiters: { match: (e: SupervisionEvent) => boolean; resolve: (e: SupervisionEvent) => void }[] = [];

/** Resolves with the next supervision event that `match` accepts. */
function next(match: (e: SupervisionEvent) => boolean): Promise<SupervisionEvent> {
  return new Promise((resolve) => waiters.push({ match, resolve }));
}

beforeAll(async () => {
  ({ mesh, manifests } = await startMesh(
    (chart) => {
      const api = service(chart, 'api', [], { workload: Workload.image('meshform/demo:test', { replicas: 2 }) });
      service(chart, 'web', [], { calls: [api] });
    },
    {
      supervision: (event) => {
        events.push(event);
        const i = waiters.findIndex((w) => w.match(event));
        if (i >= 0) waiters.splice(i, 1)[0]!.resolve(event);
      },
    },
  ));
}, 90_000);
afterAll(() => mesh?.stop());

/** The registry the runner writes for the controller, read from the workspace next to the manifests. */
function registryReady(name: string): boolean | undefined {
  const registry = JSON.parse(fs.readFileSync(path.join(path.dirname(manifests), 'workspace', 'registry.json'), 'utf8')) as { workloads: { name: string; ready: boolean }[] };
  return registry.workloads.find((w) => w.name === name)?.ready;
}

async function connectedProxies(): Promise<number> {
  const proxies = (await (await fetch(`http://${mesh.controllerAdmin}/debug/proxies`)).json()) as unknown[];
  return proxies.length;
}

describe('meshform up supervises what it starts', () => {
  it('restarts a controller killed with SIGKILL while the sidecars keep serving, and the sidecars reconnect to it', async () => {
    const sidecars = await connectedProxies();
    const exited = next((e) => e.type === 'exited' && e.name === 'controller');
    const back = next((e) => e.type === 'restarted' && e.name === 'controller');
    mesh.process('controller').child.kill('SIGKILL');
    // Traffic while the control plane is down and coming back.
    const during = await many(200, 4, () => call(mesh, 'api', '/x'));
    expect(await exited).toMatchObject({ exit: { signal: 'SIGKILL' } });
    await back;
    expect(tally(during.map((r) => r.status))).toEqual(new Map([[200, 200]]));
    // Every sidecar finds the new controller by itself.
    let now = 0;
    for (let i = 0; i < 100 && (now = await connectedProxies()) < sidecars; i++) await new Promise((r) => setTimeout(r, 100));
    expect(now).toBe(sidecars);
  });

  it('reports a killed sidecar with its last lines, takes its endpoint out while it is down and puts it back once it is ready', async () => {
    const [first] = mesh.of('api');
    const exited = next((e) => e.type === 'exited' && e.name === first!.name);
    const back = next((e) => e.type === 'restarted' && e.name === first!.name);
    mesh.process(first!.name).child.kill('SIGKILL');
    const report = await exited;
    expect(report.type === 'exited' && report.lastLines.length).toBeGreaterThan(0);
    expect(registryReady(first!.name)).toBe(false);
    await back;
    expect(registryReady(first!.name)).toBe(true);
    // Both instances serve again once the controller has read the registry.
    const servedBy = new Set<string | undefined>();
    const statuses: number[] = [];
    for (let i = 0; i < 200 && servedBy.size < 2; i++) {
      const r = await call(mesh, 'api', '/x');
      statuses.push(r.status);
      servedBy.add(r.servedBy);
    }
    expect({ servedBy, statuses: tally(statuses) }).toEqual({ servedBy: new Set(mesh.of('api').map((i) => i.name)), statuses: new Map([[200, statuses.length]]) });
  });
});
