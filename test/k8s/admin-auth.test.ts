import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveClusterDashboard, type ServedDashboard } from '../../cli/dashboard-command';
import { debugConfig, type DebugConfigOptions } from '../../cli/debug-command';
import type { ProxyConfigDump } from '../../controller/admin-server';
import { injectionConfig, MESHED_LABEL, sidecarFor } from '../../lib/injection';
import { TypeUrl } from '../../lib/xds';
import { REPO_ROOT, startApiServer, type ApiServer, type KubernetesObject } from '../../scripts/k8s/api-server';
import { sidecarNode } from '../support/controller-fixtures';
import { AckingAdsClient } from './support/ads';
import { CONTROL_PLANE_NAMESPACE, applyAll, serviceAccountToken, startController, synthControlPlane, tokenKubeconfig, type ControllerProcess } from './support/control-plane';

// The controller's admin port in Kubernetes mode, against a real kube-apiserver (RBAC on): /debug/*
// answers only bearer tokens the API server authenticates (TokenReview) whose user RBAC grants
// `debug` on `proxies.meshform.dev` (SubjectAccessReview), with the controller running under exactly
// the synthesized RBAC; `meshform debug config` reads a pod's proxy config through it. The API
// server also validates the synthesized NetworkPolicy.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const execFileAsync = promisify(execFile);

const NS = 'shop';
const POD_IP = '10.1.0.7';
const CONTROLLER_SA = 'meshform-controller';

let api: ApiServer;
let controller: ControllerProcess;
let synthesized: KubernetesObject[];
let client: AckingAdsClient | undefined;
const tokens: Record<string, string> = {};
const kubeconfigs: Record<string, string> = {};

const rbac = (kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, namespace: string | undefined, sa: { name: string; namespace: string }): KubernetesObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'meshform-debugger' },
  subjects: [{ kind: 'ServiceAccount', ...sa }],
});

async function get(port: number, path: string, token?: string): Promise<{ status: number; body: Loose; authenticate: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // /metrics is text
  }
  return { status: res.status, body, authenticate: res.headers.get('www-authenticate') };
}

const debug = (who: string, extra: Partial<DebugConfigOptions> = {}) =>
  debugConfig({ pod: 'reviews-0', namespace: NS, kubeconfig: kubeconfigs[who] ?? who, adminAddress: `127.0.0.1:${controller.adminPort}`, ...extra });

beforeAll(async () => {
  api = await startApiServer();
  synthesized = synthControlPlane({ operatorNamespace: 'sre' });
  // Webhook configurations with nobody serving them would hold up every write (test/k8s/webhooks.test.ts serves them).
  await applyAll(api, synthesized.filter((o) => !/WebhookConfiguration$/.test(o.kind)));
  for (const ns of [NS, 'sre']) await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const [name, namespace] of [['reviews', NS], ['unbound', 'sre'], ['cluster-debugger', 'sre'], ['ns-debugger', 'sre'], ['shop-debugger', 'sre']] as const) {
    await api.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  }
  await api.apply(rbac('ClusterRoleBinding', 'cluster-debugger', undefined, { name: 'cluster-debugger', namespace: 'sre' }));
  await api.apply(rbac('RoleBinding', 'ns-debugger', CONTROL_PLANE_NAMESPACE, { name: 'ns-debugger', namespace: 'sre' }));
  // Bound in the wrong namespace: the controller checks the permission in its own.
  await api.apply(rbac('RoleBinding', 'shop-debugger', NS, { name: 'shop-debugger', namespace: 'sre' }));
  // Reading the pod (for its proxy id) is the user's own permission, as for kubectl; shop-debugger lacks it.
  await api.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader', namespace: NS }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
  await api.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'pod-reader', namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    subjects: ['unbound', 'cluster-debugger', 'ns-debugger'].map((name) => ({ kind: 'ServiceAccount', name, namespace: 'sre' })),
  });
  for (const name of ['unbound', 'cluster-debugger', 'ns-debugger', 'shop-debugger']) {
    tokens[name] = await serviceAccountToken(api, 'sre', name);
    kubeconfigs[name] = await tokenKubeconfig(api, tokens[name]!, `${name}.kubeconfig`);
  }

  // An injected pod as the webhook would leave it, and the status a kubelet would write.
  const injection = injectionConfig(JSON.parse((synthesized.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'meshform-injection') as Loose).data['injection.json']));
  const template = { metadata: { labels: { app: 'reviews' } }, spec: { serviceAccountName: 'reviews', containers: [{ name: 'app', image: 'reviews:1' }] } };
  const sidecar = sidecarFor(template, { namespace: NS }, injection);
  await api.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reviews-0', namespace: NS, labels: { app: 'reviews', ...sidecar.labels }, annotations: { ...sidecar.annotations } }, spec: template.spec });
  const status = await api.request('PATCH', `/api/v1/namespaces/${NS}/pods/reviews-0/status`, { status: { phase: 'Running', podIP: POD_IP, podIPs: [{ ip: POD_IP }] } }, 'application/merge-patch+json');
  expect(status.status, status.text).toBe(200);
  await api.apply({ apiVersion: 'meshform.dev/v1alpha1', kind: 'MeshService', metadata: { name: 'reviews', namespace: NS }, spec: { selector: { app: 'reviews' }, ports: [{ port: 9080, protocol: 'http' }] } });

  const controllerToken = await serviceAccountToken(api, CONTROL_PLANE_NAMESPACE, CONTROLLER_SA);
  const deployment = synthesized.find((o) => o.kind === 'Deployment' && o.metadata.name === CONTROLLER_SA) as Loose;
  const args = (deployment.spec.template.spec.containers[0].args as string[]).filter((a) => a.startsWith('--token-audience='));
  controller = await startController(api, { kubeconfig: await tokenKubeconfig(api, controllerToken, 'controller.kubeconfig'), podName: 'controller-a', extraArgs: [...args, '--metrics-port', '0'] });

  // The pod's proxy, with its projected token, connected over ADS.
  const proxyToken = await serviceAccountToken(api, NS, 'reviews', [injection.tokenAudience]);
  client = new AckingAdsClient(`127.0.0.1:${controller.xdsPort}`, sidecarNode('reviews', POD_IP, { TOKEN: proxyToken, SERVICE_ACCOUNT: 'reviews' }, NS));
  client.subscribe(TypeUrl.Listener, []);
  await client.until(TypeUrl.Listener, 'listeners', (r) => r.length > 0);
});

afterAll(async () => {
  client?.close();
  await controller?.process.stop();
  await api?.stop();
});

describe('/debug/* in Kubernetes mode', () => {
  it('answers 401 without a token, and says how to authenticate', async () => {
    for (const path of ['/debug/proxies', '/debug/config_dump?proxy=x', '/debug/resources', '/debug/canaries', '/debug/dashboard/', '/debug/dashboard/api/snapshot', '/debug/unknown']) {
      const res = await get(controller.adminPort, path);
      expect(res.status, path).toBe(401);
      expect(res.body.code).toBe('ADMIN_UNAUTHENTICATED');
      expect(res.authenticate).toBe('Bearer realm="meshform-controller"');
    }
  });

  it('answers 401 to a token the API server does not authenticate', async () => {
    const res = await get(controller.adminPort, '/debug/proxies', 'garbage.not-a.jwt');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('ADMIN_UNAUTHENTICATED');
  });

  it('answers 403 to a ServiceAccount without the binding, naming the missing permission and the role', async () => {
    const res = await get(controller.adminPort, '/debug/proxies', tokens['unbound']);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('ADMIN_FORBIDDEN');
    expect(res.body.error).toContain('system:serviceaccount:sre:unbound may not "debug" "proxies.meshform.dev" in namespace meshform-system');
    expect(res.body.error).toContain('meshform-debugger');
  });

  it('answers 403 to a RoleBinding of the debugger role in another namespace than the controller’s', async () => {
    expect((await get(controller.adminPort, '/debug/proxies', tokens['shop-debugger'])).status).toBe(403);
  });

  it("serves the dashboard's snapshot to the debugger role only: the service and its pod's proxy", async () => {
    expect((await get(controller.adminPort, '/debug/dashboard/api/snapshot', tokens['unbound'])).status).toBe(403);
    const res = await get(controller.adminPort, '/debug/dashboard/api/snapshot', tokens['cluster-debugger']);
    expect(res.status).toBe(200);
    expect(res.body.nodes).toContainEqual(expect.objectContaining({ id: `${NS}/reviews`, kind: 'service' }));
    expect(res.body.proxies).toContainEqual(expect.objectContaining({ id: sidecarNode('reviews', POD_IP, {}, NS).id, role: 'sidecar' }));
  });

  it('serves the config dump to a ClusterRoleBinding, or a RoleBinding in the control-plane namespace, of meshform-debugger', async () => {
    const id = sidecarNode('reviews', POD_IP, {}, NS).id;
    for (const who of ['cluster-debugger', 'ns-debugger']) {
      const res = await get(controller.adminPort, `/debug/config_dump?proxy=${encodeURIComponent(id)}`, tokens[who]);
      expect(res.status, who).toBe(200);
      const [dump] = res.body as ProxyConfigDump[];
      expect(dump!.node.id).toBe(id);
      expect(dump!.node.token).toBe('<redacted>');
      expect(dump!.xds['LDS']!.resources.length).toBeGreaterThan(0);
    }
    expect((await get(controller.adminPort, '/debug/resources', tokens['cluster-debugger'])).body.resources).toContainEqual(expect.objectContaining({ key: `MeshService/${NS}/reviews` }));
  });

  it('leaves /healthz, /readyz and /metrics open for the kubelet and Prometheus, and the metrics port serves /metrics alone', async () => {
    expect((await get(controller.adminPort, '/healthz')).status).toBe(200);
    await api.waitFor('/readyz 200', async () => (await get(controller.adminPort, '/readyz')).status === 200);
    expect((await get(controller.adminPort, '/metrics')).body).toMatch(/^meshform_xds_connected_proxies 1$/m);
    expect((await get(controller.metricsPort!, '/metrics')).body).toMatch(/^meshform_xds_connected_proxies 1$/m);
    expect((await get(controller.metricsPort!, '/debug/proxies', tokens['cluster-debugger'])).status).toBe(404);
    expect((await get(controller.metricsPort!, '/healthz')).status).toBe(404);
  });
});

describe('meshform debug config <pod> --admin-address', () => {
  it('prints the pod proxy’s identity, versions with their ACK state and its listeners, for a bound user', async () => {
    const text = await debug('cluster-debugger');
    expect(text).toContain(`PROXY       sidecar~${POD_IP}~reviews.${NS}~${NS}.svc.cluster.local`);
    expect(text).toContain(`POD         ${NS}/reviews-0`);
    expect(text).toContain(`IDENTITY    verified as ${NS}/reviews`);
    expect(text).toMatch(/^LDS\s+\S+\s+\S+\s+ACK\s+[1-9]/m);
    expect(text).toContain('LISTENERS');
  });

  it('as a process, prints the summary and exits by itself (no connection left open)', async () => {
    const options = { pod: 'reviews-0', namespace: NS, kubeconfig: kubeconfigs['cluster-debugger'], adminAddress: `127.0.0.1:${controller.adminPort}` };
    const script = `require('tsx/cjs'); require(${JSON.stringify(path.join(REPO_ROOT, 'cli/debug-command.ts'))}).runDebugConfig(${JSON.stringify(options)}).then((code) => (process.exitCode = code));`;
    const { stdout } = await execFileAsync(process.execPath, ['-e', script], { cwd: REPO_ROOT, timeout: 60_000 });
    expect(stdout).toContain(`IDENTITY    verified as ${NS}/reviews`);
  });

  it('prints the raw dump with -o json', async () => {
    const dumps = JSON.parse(await debug('ns-debugger', { output: 'json' })) as ProxyConfigDump[];
    expect(dumps.map((d) => d.node.id)).toEqual([`sidecar~${POD_IP}~reviews.${NS}~${NS}.svc.cluster.local`]);
  });

  it('passes on the controller’s refusal for a user without the binding', async () => {
    await expect(debug('unbound')).rejects.toThrow(/DEBUG_ADMIN_REFUSED.*may not "debug" "proxies\.meshform\.dev"/);
  });

  it('refuses a kubeconfig user without a bearer token (a client certificate cannot be passed on)', async () => {
    await expect(debug(api.kubeconfig)).rejects.toThrow(/DEBUG_NO_BEARER_TOKEN/);
  });

  it('says when the pod has no sidecar', async () => {
    await api.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain-0', namespace: NS }, spec: { serviceAccountName: 'reviews', containers: [{ name: 'app', image: 'plain:1' }] } });
    await expect(debug('cluster-debugger', { pod: 'plain-0' })).rejects.toThrow(/DEBUG_POD_NOT_MESHED/);
    await expect(debug('cluster-debugger', { pod: 'missing-0' })).rejects.toThrow(/DEBUG_POD_NOT_FOUND.*no pod missing-0 in namespace shop/);
  });

  it('says when the user may not read the pod', async () => {
    await expect(debug('shop-debugger')).rejects.toThrow(/DEBUG_POD_UNREADABLE.*cannot get resource "pods".*you need "get pods" in shop/s);
  });
});

describe('meshform dashboard --kubernetes --admin-address', () => {
  it("serves the controller's dashboard on 127.0.0.1 with the kubeconfig user's token, and passes a refusal on", async () => {
    const served: ServedDashboard[] = [];
    try {
      for (const who of ['cluster-debugger', 'unbound']) served.push(await serveClusterDashboard({ kubeconfig: kubeconfigs[who]!, controllerNamespace: CONTROL_PLANE_NAMESPACE, adminAddress: `127.0.0.1:${controller.adminPort}`, port: 0 }));
      const [debuggerView, unboundView] = served as [ServedDashboard, ServedDashboard];
      expect(debuggerView.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/debug\/dashboard\/$/);
      const snapshot = await fetch(`${debuggerView.url}api/snapshot`);
      expect(snapshot.status).toBe(200);
      expect(((await snapshot.json()) as { nodes: { id: string }[] }).nodes).toContainEqual(expect.objectContaining({ id: `${NS}/reviews` }));
      const refused = await fetch(`${unboundView.url}api/snapshot`);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'ADMIN_FORBIDDEN' });
    } finally {
      for (const s of served) await s.close();
    }
  });
});

describe('meshform debug config <pod> through the API server (no --admin-address)', () => {
  const viaApiServer = (who: string) => debugConfig({ pod: 'reviews-0', namespace: NS, kubeconfig: kubeconfigs[who]! });

  it('needs the port-forward Role to find the controller pods, and says so', async () => {
    await expect(viaApiServer('cluster-debugger')).rejects.toThrow(/DEBUG_ADMIN_UNREACHABLE.*cannot list the controller pods in meshform-system.*forbidden.*meshform-debugger-port-forward/s);
  });

  it('says when no controller pod runs in the control-plane namespace', async () => {
    await api.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'ns-debugger-port-forward', namespace: CONTROL_PLANE_NAMESPACE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'meshform-debugger-port-forward' },
      subjects: [{ kind: 'ServiceAccount', name: 'ns-debugger', namespace: 'sre' }],
    });
    await expect(viaApiServer('ns-debugger')).rejects.toThrow(/DEBUG_NO_CONTROLLER.*meshform-system/);
  });

  it('reports a port-forward the API server cannot open (this server has no kubelet: 400), naming the pod and port', async () => {
    // A pod of the synthesized Deployment, as its ReplicaSet would create it.
    const template = (synthesized.find((o) => o.kind === 'Deployment' && o.metadata.name === CONTROLLER_SA) as Loose).spec.template;
    await api.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'meshform-controller-0', namespace: CONTROL_PLANE_NAMESPACE, labels: template.metadata.labels }, spec: template.spec });
    const res = await api.request('PATCH', `/api/v1/namespaces/${CONTROL_PLANE_NAMESPACE}/pods/meshform-controller-0/status`, { status: { phase: 'Running', podIP: '10.1.0.2' } }, 'application/merge-patch+json');
    expect(res.status, res.text).toBe(200);
    // Past RBAC (the Role's get and create on pods/portforward): the API server finds no node to forward to.
    await expect(viaApiServer('ns-debugger')).rejects.toThrow(/DEBUG_ADMIN_UNREACHABLE.*cannot port-forward to meshform-system\/meshform-controller-0:15014 \(Unexpected server response: 400\)/);
  });
});

describe('the synthesized NetworkPolicy', () => {
  it('is accepted by the API server as synthesized, meshed pods labelled as the policy selects them', async () => {
    const stored = (await api.get('networking.k8s.io/v1', 'NetworkPolicy', 'meshform-controller', CONTROL_PLANE_NAMESPACE)) as Loose;
    const synthesizedPolicy = synthesized.find((o) => o.kind === 'NetworkPolicy') as Loose;
    expect(stored.spec.ingress).toEqual(synthesizedPolicy.spec.ingress);
    expect(stored.spec.ingress[0].from[0].podSelector.matchLabels).toEqual({ [MESHED_LABEL]: 'true' });
    const pod = (await api.get('v1', 'Pod', 'reviews-0', NS)) as Loose;
    expect(pod.metadata.labels[MESHED_LABEL]).toBe('true');
  });

  it('is accepted with IPv4 and IPv6 API server CIDRs', async () => {
    const policy = synthControlPlane({ crds: false, apiServerCidrs: ['172.16.0.0/28', 'fd00:10::/64'] }).find((o) => o.kind === 'NetworkPolicy')!;
    const accepted = (await api.apply(policy, { dryRun: true })) as Loose;
    expect(accepted.spec.ingress[1].from).toEqual([{ ipBlock: { cidr: '172.16.0.0/28' } }, { ipBlock: { cidr: 'fd00:10::/64' } }]);
  });
});

describe('when the API server cannot be reached', () => {
  it('answers 503 for a token it has not reviewed yet, keeps serving what needs no review, and does not crash', async () => {
    await api.stop();
    const res = await get(controller.adminPort, '/debug/proxies', 'a-token-never-seen-before');
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('ADMIN_AUTH_UNAVAILABLE');
    expect((await get(controller.adminPort, '/healthz')).status).toBe(200);
    expect(controller.process.child.exitCode).toBeNull();
  });
});
