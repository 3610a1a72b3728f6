import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer, type KubernetesObject } from '../../scripts/k8s/api-server';
import { CONTROL_PLANE_NAMESPACE, installCrds, startController, type ControllerProcess } from './support/control-plane';

// NOT RUN (named .pending.ts, outside the k8s project's *.test.ts): all three tests fail against
// controller/sources/kubernetes-source.ts as of 2026-11-23 (see the report of issue 9). Once fixed,
// `git mv` it to controller-status.test.ts.
//
// Status conditions as Kubernetes conventions want them: observedGeneration follows every spec
// change, a re-created object gets its condition, lastTransitionTime moves only when status does.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const NS = 'shop';

let api: ApiServer;
const controllers: ControllerProcess[] = [];

const service = (port: number, name = 'reviews'): KubernetesObject => ({
  apiVersion: 'meshform.dev/v1alpha1',
  kind: 'MeshService',
  metadata: { name, namespace: NS },
  spec: { selector: { app: name }, ports: [{ port, protocol: 'http' }] },
});

async function condition(name = 'reviews'): Promise<Loose> {
  return ((await api.get('meshform.dev/v1alpha1', 'MeshService', name, NS))?.status as Loose)?.conditions?.[0];
}

beforeAll(async () => {
  api = await startApiServer();
  await installCrds(api);
  for (const ns of [NS, CONTROL_PLANE_NAMESPACE]) await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await api.apply(service(9080));
  await api.apply(service(9080, 'ratings'));
  controllers.push(await startController(api, { kubeconfig: api.kubeconfig, podName: 'controller-a' }));
});

afterAll(async () => {
  await Promise.all(controllers.map((c) => c.process.stop()));
  await api?.stop();
});

describe('status conditions follow the object', () => {
  it('observedGeneration follows a spec change that keeps the resource valid', async () => {
    expect(await api.waitFor('the first condition', condition)).toMatchObject({ status: 'True', observedGeneration: 1 });
    const applied = await api.apply(service(9081));
    expect(applied.metadata.generation).toBe(2);
    await api.waitFor('observedGeneration 2', async () => (await condition())?.observedGeneration === 2, 15_000);
  });

  it('a deleted and re-created resource gets its condition again', async () => {
    expect((await api.request('DELETE', `/apis/meshform.dev/v1alpha1/namespaces/${NS}/meshservices/reviews`)).status).toBe(200);
    const created = await api.apply(service(9081));
    expect(created.status).toBeUndefined();
    await api.waitFor('the condition of the re-created MeshService', condition, 15_000);
  });

  it('a new leader does not move lastTransitionTime of conditions whose status did not change', async () => {
    const before = await api.waitFor('a condition', () => condition('ratings'), 15_000);
    controllers.push(await startController(api, { kubeconfig: api.kubeconfig, podName: 'controller-b' }));
    await controllers[0]!.process.stop();
    await api.waitFor('controller-b leading', async () => ((await api.get('coordination.k8s.io/v1', 'Lease', 'meshform-controller', CONTROL_PLANE_NAMESPACE))?.spec as Loose)?.holderIdentity === 'controller-b', 40_000);
    // Give controller-b two status rounds (2 s each) to write what it would write.
    await api.waitFor('controller-b status round', async () => controllers[1]!.logs().some((l) => l['msg'] === 'became leader'), 10_000);
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const now = await condition('ratings');
      expect(now.lastTransitionTime).toBe(before.lastTransitionTime);
      await new Promise((r) => setTimeout(r, 500));
    }
  });
});
