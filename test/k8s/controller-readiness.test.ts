import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../scripts/k8s/api-server';
import { CONTROL_PLANE_NAMESPACE, installCrds, startController, type ControllerProcess } from './support/control-plane';

// NOT RUN (named .pending.ts, outside the k8s project's *.test.ts): fails against
// controller/sources/kubernetes-source.ts as of 2026-11-23 (see the report of issue 9). Once fixed,
// `git mv` it to controller-readiness.test.ts.
//
// /readyz means "every informer has listed". @kubernetes/client-node 1.4 emits `connect` before it
// lists (cache.js doneHandler), and KubernetesSource counts an informer as synced on `connect`, so
// an informer whose list fails (CRDs not installed yet: 404; RBAC missing a verb: 403) still counts,
// and the controller reports ready while it knows none of the mesh resources. Likewise stopping an
// informer aborts its watch, client-node reports that as an error, and the source logs every
// informer as failed and schedules its restart in 5 s, on every clean shutdown.

let api: ApiServer;
let controller: ControllerProcess | undefined;

beforeAll(async () => {
  api = await startApiServer();
  await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: CONTROL_PLANE_NAMESPACE } });
  controller = await startController(api, { kubeconfig: api.kubeconfig, podName: 'controller-a' });
});

afterAll(async () => {
  await controller?.process.stop();
  await api?.stop();
});

const readyz = async () => (await fetch(`http://127.0.0.1:${controller!.adminPort}/readyz`)).status;

describe('readiness follows the informers', () => {
  it('is not ready while the mesh CRDs are missing (every mesh informer fails its list with 404)', async () => {
    await api.waitFor('the informers to fail', async () => controller!.logs().some((l) => l['code'] === 'KUBERNETES_UNAVAILABLE'));
    expect(await readyz()).toBe(503);
  });

  it('becomes ready once the CRDs exist and the informers (restarted after 5 s) have listed', async () => {
    await installCrds(api);
    await api.waitFor('/readyz 200', async () => (await readyz()) === 200, 20_000);
  });

  it('a clean shutdown (one SIGTERM) logs no informer failure', async () => {
    await controller!.process.stop();
    expect(controller!.process.child.exitCode).toBe(0);
    const logs = controller!.logs();
    const stopping = logs.findIndex((l) => l['msg'] === 'shutting down');
    expect(stopping).toBeGreaterThanOrEqual(0);
    expect(logs.slice(stopping).filter((l) => l['code'] === 'KUBERNETES_UNAVAILABLE').map((l) => `${l['informer']}: ${(l['err'] as { message?: string })?.message}`)).toEqual([]);
  });
});
