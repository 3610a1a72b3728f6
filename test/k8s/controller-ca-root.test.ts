import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_ROOT_CONFIGMAP, CA_ROOT_KEY, BOOTSTRAP_ANNOTATION, expandEnvReferences, injectionConfig, sidecarFor, type InjectionConfig } from '../../lib/injection';
import { freePort, startApiServer, type ApiServer, type KubernetesObject, type WatchedProcess } from '../../scripts/k8s/api-server';
import {
  CONTROL_PLANE_NAMESPACE,
  applyAll,
  canI,
  refusals,
  serviceAccountToken,
  startController,
  startMeshform,
  synthControlPlane,
  tokenKubeconfig,
  type ControllerProcess,
} from './support/control-plane';
import { tlsHandshake } from '../support/tls-handshake';

// The controller as a cluster install runs it (xDS over TLS, the synthesized RBAC only) publishes its
// CA root as ConfigMap meshform-ca-root where injected proxies live, and a real proxy given exactly
// what injection gives it (the bootstrap annotation, that ConfigMap's key as the projected file, a
// projected token) connects over TLS and gets its certificate.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const CONTROLLER_SA = 'meshform-controller';
const SERVICE_NAMES = [`meshform-controller.${CONTROL_PLANE_NAMESPACE}.svc`, `meshform-controller.${CONTROL_PLANE_NAMESPACE}.svc.cluster.local`];

let api: ApiServer;
let controller: ControllerProcess;
let controllerToken: string;
/** A ServiceAccount bound to meshform-debugger: /debug/* needs one in Kubernetes mode. */
let debuggerToken: string;
let injection: InjectionConfig;
let dir: string;
const processes: WatchedProcess[] = [];

const namespace = (name: string, labels: Record<string, string> = {}): KubernetesObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const appPod = (name: string, ns: string, annotations: Record<string, string> = {}): KubernetesObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels: { app: 'reviews' }, annotations },
  spec: { serviceAccountName: 'reviews', containers: [{ name: 'app', image: 'reviews:1' }] },
});
const rootIn = async (ns: string): Promise<string | undefined> => ((await api.get('v1', 'ConfigMap', CA_ROOT_CONFIGMAP, ns)) as Loose)?.data?.[CA_ROOT_KEY];

beforeAll(async () => {
  api = await startApiServer();
  const synthesized = synthControlPlane();
  // Webhooks are test/k8s/webhooks.test.ts's subject; registered here with nobody answering, pod creation would wait on them.
  await applyAll(api, synthesized.filter((o) => !/WebhookConfiguration$/.test(o.kind)));
  injection = injectionConfig(JSON.parse((synthesized.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'meshform-injection') as Loose).data['injection.json']));
  await api.apply(namespace('shop', { 'meshform.dev/injection': 'enabled' }));
  await api.apply(namespace('legacy'));
  await api.apply(namespace('outside'));
  for (const ns of ['shop', 'legacy', 'outside']) await api.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reviews', namespace: ns } });
  // Injected at synth (or by the opt-in webhook) in a namespace nobody labelled.
  await api.apply(appPod('static-0', 'legacy', { 'meshform.dev/injected': 'native' }));
  await api.apply(appPod('plain-0', 'outside'));

  controllerToken = await serviceAccountToken(api, CONTROL_PLANE_NAMESPACE, CONTROLLER_SA);
  await api.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'debugger', namespace: CONTROL_PLANE_NAMESPACE } });
  await api.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'debugger', namespace: CONTROL_PLANE_NAMESPACE },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'meshform-debugger' },
    subjects: [{ kind: 'ServiceAccount', name: 'debugger', namespace: CONTROL_PLANE_NAMESPACE }],
  });
  debuggerToken = await serviceAccountToken(api, CONTROL_PLANE_NAMESPACE, 'debugger');
  const kubeconfig = await tokenKubeconfig(api, controllerToken, 'controller.kubeconfig');
  const deployment = synthesized.find((o) => o.kind === 'Deployment' && o.metadata.name === CONTROLLER_SA) as Loose;
  const args = deployment.spec.template.spec.containers[0].args as string[];
  expect(args).toEqual(expect.arrayContaining(['--xds-tls', '--xds-port=15012']));
  controller = await startController(api, { kubeconfig, podName: 'controller-a', tls: true, extraArgs: args.filter((a) => a.startsWith('--token-audience=')) });
  dir = mkdtempSync(path.join(tmpdir(), 'meshform-ca-root-'));
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await controller?.process.stop();
  await api?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the leader publishes the CA root where proxies are injected', () => {
  it('may read and write only that ConfigMap by name, and create ConfigMaps', async () => {
    expect(await canI(api, controllerToken, { verb: 'get', resource: 'configmaps', namespace: 'shop', name: CA_ROOT_CONFIGMAP })).toBe(true);
    expect(await canI(api, controllerToken, { verb: 'update', resource: 'configmaps', namespace: 'shop', name: CA_ROOT_CONFIGMAP })).toBe(true);
    expect(await canI(api, controllerToken, { verb: 'create', resource: 'configmaps', namespace: 'shop' })).toBe(true);
    expect(await canI(api, controllerToken, { verb: 'get', resource: 'configmaps', namespace: 'shop', name: 'app-settings' })).toBe(false);
    expect(await canI(api, controllerToken, { verb: 'list', resource: 'configmaps', namespace: 'shop' })).toBe(false);
    expect(await canI(api, controllerToken, { verb: 'delete', resource: 'configmaps', namespace: 'shop', name: CA_ROOT_CONFIGMAP })).toBe(false);
  });

  it('writes it into a labelled namespace and a namespace holding an injected pod, not elsewhere', async () => {
    const root = await api.waitFor('the root in shop', () => rootIn('shop'));
    expect(root).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(await api.waitFor('the root in legacy', () => rootIn('legacy'))).toBe(root);
    const stored = (await api.get('v1', 'ConfigMap', CA_ROOT_CONFIGMAP, 'shop')) as Loose;
    expect(stored.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'meshform-controller' });
    // Every namespace is handled in the same pass, so by now one without injection would have it.
    expect(await api.get('v1', 'ConfigMap', CA_ROOT_CONFIGMAP, 'outside')).toBeUndefined();
  });

  it('follows a namespace labelled later', async () => {
    await api.apply(namespace('later', { 'meshform.dev/injection': 'enabled' }));
    expect(await api.waitFor('the root in later', () => rootIn('later'))).toBe(await rootIn('shop'));
  });

  it('repairs an edited root when the next injected pod arrives in its namespace', async () => {
    const root = await rootIn('legacy');
    const edited = (await api.get('v1', 'ConfigMap', CA_ROOT_CONFIGMAP, 'legacy')) as Loose;
    const res = await api.request('PUT', `/api/v1/namespaces/legacy/configmaps/${CA_ROOT_CONFIGMAP}`, { ...edited, data: { [CA_ROOT_KEY]: 'tampered' } });
    expect(res.status, res.text).toBe(200);
    await api.apply(appPod('static-1', 'legacy', { 'meshform.dev/injected': 'native' }));
    await api.waitFor('the root restored', async () => (await rootIn('legacy')) === root);
  });
});

describe('the controller serves xDS over TLS under its Service names', () => {
  it('presents a certificate that chains to the published root and names the Service', async () => {
    const root = (await rootIn('shop'))!;
    for (const name of SERVICE_NAMES) await tlsHandshake(controller.xdsPort, name, root);
    await expect(tlsHandshake(controller.xdsPort, 'meshform-controller.elsewhere.svc', root)).rejects.toThrow(/does not match certificate's altnames/);
    await expect(tlsHandshake(controller.xdsPort, SERVICE_NAMES[0]!, api.caPem)).rejects.toThrow(/certificate/);
  });

  it('a proxy with the injected bootstrap and the projected root connects over TLS and gets its certificate', async () => {
    const sidecar = sidecarFor(appPod('reviews-0', 'shop') as Loose, { namespace: 'shop' }, injection);
    const projected = (sidecar.volumes[0] as Loose).projected.sources as Loose[];
    expect(projected).toContainEqual({ configMap: { name: CA_ROOT_CONFIGMAP, items: [{ key: CA_ROOT_KEY, path: CA_ROOT_KEY }] } });
    const bootstrap = JSON.parse(expandEnvReferences(sidecar.annotations[BOOTSTRAP_ANNOTATION]!, { POD_IP: '127.0.0.1' }));
    expect(bootstrap.controller).toEqual({ address: `${SERVICE_NAMES[0]}:15012`, caFile: `/var/run/meshform/${CA_ROOT_KEY}` });

    // What the kubelet would project into /var/run/meshform; on loopback the Service is the controller's port on localhost.
    writeFileSync(path.join(dir, CA_ROOT_KEY), (await rootIn('shop'))!);
    writeFileSync(path.join(dir, 'token'), await serviceAccountToken(api, 'shop', 'reviews', [injection.tokenAudience]));
    const healthPort = await freePort();
    const file = path.join(dir, 'bootstrap.json');
    writeFileSync(file, JSON.stringify({
      ...bootstrap,
      controller: { ...bootstrap.controller, address: `localhost:${controller.xdsPort}`, caFile: path.join(dir, CA_ROOT_KEY) },
      tokenPath: path.join(dir, 'token'),
      admin: { address: '127.0.0.1', port: 0 },
      health: { address: '127.0.0.1', port: healthPort },
    }));
    processes.push(startMeshform(api, ['proxy', '--bootstrap', file], { logName: 'proxy-reviews' }));

    const proxy = await api.waitFor('the proxy verified by the controller', async () => {
      const proxies = (await (await fetch(`http://127.0.0.1:${controller.adminPort}/debug/proxies`, { headers: { authorization: `Bearer ${debuggerToken}` } })).json()) as { id: string; trust: string }[];
      return proxies.find((p) => p.id === bootstrap.node.id && p.trust === 'verified');
    });
    expect(proxy.id).toBe('sidecar~127.0.0.1~reviews.shop~shop.svc.cluster.local');
    const metrics = await api.waitFor('the proxy reporting its controller stream', async () => {
      const text = await (await fetch(`http://127.0.0.1:${healthPort}/stats/prometheus`)).text();
      return /^meshform_controller_connected 1$/m.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/^meshform_controller_connected 1$/m);
  });

  it('no API call of the controller was refused', () => {
    expect(refusals(controller.process.output())).toEqual([]);
    expect(controller.logs().filter((l) => l['code'] === 'CA_ROOT_PUBLISH_FAILED')).toEqual([]);
  });
});
