import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startApiServer, type ApiServer, type KubernetesObject } from '../../scripts/k8s/api-server';
import { CONTROL_PLANE_NAMESPACE, applyAll, serviceAccountToken, startController, synthControlPlane, tokenKubeconfig, type ControllerProcess } from './support/control-plane';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
type Condition = { type: string; status: string; reason: string; message: string; observedGeneration?: number; lastTransitionTime: string };

const GW = 'gateway.networking.k8s.io/v1';
const CRD_DIR = path.join(REPO_ROOT, 'vendor/gateway-api');
const CONTROLLER_NAME = 'meshform.dev/gateway-controller';

let api: ApiServer;
let controller: ControllerProcess;

/** The vendored standard-channel CRDs, applied, and served. */
async function installGatewayApiCrds(): Promise<string[]> {
  const names: string[] = [];
  for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(path.join(CRD_DIR, file), 'utf8'))) {
      const crd = doc.toJS() as KubernetesObject;
      await api.apply(crd);
      names.push(crd.metadata.name);
    }
  }
  for (const name of names) {
    await api.waitFor(`CRD ${name} Established`, async () => {
      const crd = await api.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', name);
      return ((crd?.status as Loose)?.conditions ?? []).some((c: Condition) => c.type === 'Established' && c.status === 'True');
    });
  }
  return names;
}

const meshService = (name: string, namespace: string): KubernetesObject => ({ apiVersion: 'meshform.dev/v1alpha1', kind: 'MeshService', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port: 9080, protocol: 'http' }] } });
const httpRoute = (name: string, spec: Record<string, unknown>): KubernetesObject => ({ apiVersion: GW, kind: 'HTTPRoute', metadata: { name, namespace: 'shop' }, spec });

async function routeConditions(name: string, generation?: number): Promise<Record<string, Condition>> {
  return api.waitFor(`status of HTTPRoute shop/${name}`, async () => {
    const route = await api.get(GW, 'HTTPRoute', name, 'shop');
    const ours = ((route?.status as Loose)?.parents ?? []).find((p: Loose) => p.controllerName === CONTROLLER_NAME);
    if (!ours || (generation !== undefined && ours.conditions[0]?.observedGeneration !== generation)) return undefined;
    return Object.fromEntries((ours.conditions as Condition[]).map((c) => [c.type, c]));
  }, 60_000);
}

beforeAll(async () => {
  api = await startApiServer();
  const synthesized = synthControlPlane();
  await applyAll(api, synthesized.filter((o) => !/WebhookConfiguration$/.test(o.kind)));
  await installGatewayApiCrds();
  for (const ns of ['shop', 'ratings-ns', 'edge']) await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await api.apply(meshService('reviews', 'shop'));
  await api.apply(meshService('ratings', 'ratings-ns'));
  // The controller runs with its own ServiceAccount: what it reads and writes here, its ClusterRole allows.
  const token = await serviceAccountToken(api, CONTROL_PLANE_NAMESPACE, 'meshform-controller');
  controller = await startController(api, { kubeconfig: await tokenKubeconfig(api, token, 'controller.kubeconfig'), podName: 'controller-a' });
}, 180_000);

afterAll(async () => {
  await controller?.process.stop();
  await api?.stop();
});

describe('the Gateway API in a real API server', () => {
  it('serves the vendored Gateway API kinds', async () => {
    const res = await api.request('GET', '/apis/gateway.networking.k8s.io/v1');
    expect((res.body.resources as { name: string }[]).map((r) => r.name)).toEqual(expect.arrayContaining(['gateways', 'httproutes', 'grpcroutes', 'referencegrants', 'gatewayclasses']));
  });

  it('sets Accepted and Programmed on a Gateway of class meshform, and counts the route attached to its listener', async () => {
    await api.apply({ apiVersion: GW, kind: 'Gateway', metadata: { name: 'public', namespace: 'edge' }, spec: { gatewayClassName: 'meshform', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] } });
    await api.apply(httpRoute('web', { parentRefs: [{ name: 'public', namespace: 'edge' }], hostnames: ['shop.example.com'], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] }));
    const status = await api.waitFor('Gateway edge/public with a route attached', async () => {
      const s = (await api.get(GW, 'Gateway', 'public', 'edge'))?.status as Loose;
      return s?.listeners?.[0]?.attachedRoutes === 1 ? s : undefined;
    }, 60_000);
    const conditions = Object.fromEntries((status.conditions as Condition[]).map((c) => [c.type, c]));
    expect(conditions.Accepted).toMatchObject({ status: 'True', reason: 'Accepted', observedGeneration: 1 });
    expect(conditions.Programmed).toMatchObject({ status: 'True', reason: 'Programmed' });
    expect(status.listeners[0]).toMatchObject({ name: 'http', supportedKinds: expect.arrayContaining([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }]) });
    const route = await routeConditions('web');
    expect(route.Accepted).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(route.ResolvedRefs).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
  });

  it('reports a Gateway as not Programmed while the mesh cannot serve its MeshGateway (a listener\'s Secret is missing)', async () => {
    await api.apply({ apiVersion: GW, kind: 'Gateway', metadata: { name: 'secure', namespace: 'edge' }, spec: { gatewayClassName: 'meshform', listeners: [{ name: 'https', port: 8443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'missing-tls' }] } }] } });
    const conditions = await api.waitFor('conditions of Gateway edge/secure', async () => {
      const c = ((await api.get(GW, 'Gateway', 'secure', 'edge'))?.status as Loose)?.conditions as Condition[] | undefined;
      // The CRD's default status says Unknown until a controller writes.
      return c?.some((x) => x.type === 'Accepted' && x.status !== 'Unknown') ? Object.fromEntries(c.map((x) => [x.type, x])) : undefined;
    }, 60_000);
    expect(conditions.Accepted).toMatchObject({ status: 'True' });
    expect(conditions.Programmed).toMatchObject({ status: 'False', reason: 'Invalid' });
    expect(conditions.Programmed!.message).toContain('MISSING_SECRET');
  });

  it('accepts a GAMMA route (Service parent) with resolved refs', async () => {
    await api.apply(httpRoute('reviews-mesh', { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v2' } }], backendRefs: [{ name: 'reviews', port: 9080 }] }] }));
    const c = await routeConditions('reviews-mesh');
    expect(c.Accepted).toMatchObject({ status: 'True' });
    expect(c.ResolvedRefs).toMatchObject({ status: 'True' });
  });

  it('refuses a route with a field Meshform does not support: Accepted False, UnsupportedValue, naming the field', async () => {
    await api.apply(httpRoute('extension', { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], rules: [{ filters: [{ type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Magic', name: 'm' } }], backendRefs: [{ name: 'reviews', port: 9080 }] }] }));
    const c = await routeConditions('extension');
    expect(c.Accepted).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
    expect(c.Accepted!.message).toContain('spec.rules[0].filters[0]');
    // The controller lives on and still answers for the others.
    expect((await routeConditions('web')).Accepted).toMatchObject({ status: 'True' });
  });

  it('gives RefNotPermitted to a backend in another namespace without a ReferenceGrant, and accepts it once one allows it', async () => {
    await api.apply(httpRoute('cross', { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], rules: [{ backendRefs: [{ name: 'ratings', namespace: 'ratings-ns', port: 9080 }] }] }));
    const before = await routeConditions('cross');
    expect(before.ResolvedRefs).toMatchObject({ status: 'False', reason: 'RefNotPermitted' });
    expect(before.ResolvedRefs!.message).toContain('ratings-ns/ratings');
    await api.apply({ apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'from-shop', namespace: 'ratings-ns' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' }], to: [{ group: '', kind: 'Service' }] } });
    const after = await api.waitFor('ResolvedRefs True on HTTPRoute shop/cross', async () => {
      const c = await routeConditions('cross');
      return c.ResolvedRefs?.status === 'True' ? c : undefined;
    }, 60_000);
    expect(after.Accepted).toMatchObject({ status: 'True' });
  });

  it('keeps the entries of other implementations in a route\'s status.parents', async () => {
    const other = { parentRef: { name: 'elsewhere', namespace: 'edge' }, controllerName: 'example.com/other', conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'theirs', lastTransitionTime: new Date().toISOString() }] };
    const ours = (await api.get(GW, 'HTTPRoute', 'web', 'shop'))!.status as Loose;
    const res = await api.request('PATCH', '/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/web/status', { status: { parents: [...ours.parents, other] } }, 'application/merge-patch+json');
    expect(res.status, res.text).toBe(200);
    // A change that makes Meshform write again (a new generation) must leave theirs in place.
    await api.apply(httpRoute('web', { parentRefs: [{ name: 'public', namespace: 'edge' }, { name: 'elsewhere', namespace: 'edge' }], hostnames: ['shop.example.com'], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] }));
    await routeConditions('web', 2);
    const parents = ((await api.get(GW, 'HTTPRoute', 'web', 'shop'))!.status as Loose).parents as { controllerName: string }[];
    expect(parents.map((p) => p.controllerName).sort()).toEqual(['example.com/other', CONTROLLER_NAME]);
  });
});
