import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KIND_NAMES, KINDS, API_GROUP } from '../../lib/api';
import { customResourceDefinition } from '../../lib/crd';
import { TypeUrl } from '../../lib/xds';
import { createLogger } from '../../controller/logger';
import { runControllerWith, type RunningController } from '../../controller/run-controller';
import { startApiServer, type ApiServer, type KubernetesObject } from '../../scripts/k8s/api-server';
import { AdsTestClient, resourcesOf } from '../support/controller-ads-client';
import { tlsSecretObject } from '../support/certificates';
import { eventually } from '../support/controller-harness';
import { proxylessNode, sidecarNode } from '../support/controller-fixtures';

// The controller in Kubernetes mode against a real etcd + kube-apiserver (scripts/k8s): mesh CRDs,
// Pods and their status feed xDS; the elected leader writes status conditions; a sidecar's
// ServiceAccount token is checked with a TokenReview before it gets a certificate.

const NS = 'shop';
const FQDN = `reviews.${NS}.svc.cluster.local`;
const mesh = (kind: string, name: string, spec: object): KubernetesObject => ({ apiVersion: 'meshform.dev/v1alpha1', kind, metadata: { name, namespace: NS }, spec });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

describe('Kubernetes source', () => {
  let api: ApiServer;
  let running: RunningController;
  const clients: AdsTestClient[] = [];

  beforeAll(async () => {
    api = await startApiServer({ build: false });
    for (const ns of [NS, 'meshform-system']) await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const kind of KIND_NAMES) await api.apply(customResourceDefinition(kind) as unknown as KubernetesObject);
    for (const kind of KIND_NAMES) {
      await api.waitFor(`CRD ${kind}`, async () => {
        const crd = await api.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `${KINDS[kind].plural}.${API_GROUP}`);
        return ((crd?.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
      });
    }
    await api.apply(mesh('MeshService', 'reviews', { selector: { app: 'reviews' }, ports: [{ port: 9080, protocol: 'grpc' }] }));
    await api.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reviews', namespace: NS } });
    await api.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reviews-0', namespace: NS, labels: { app: 'reviews' } }, spec: { serviceAccountName: 'reviews', containers: [{ name: 'app', image: 'reviews' }] } });
    const status = { status: { phase: 'Running', podIP: '10.1.0.7', podIPs: [{ ip: '10.1.0.7' }], conditions: [{ type: 'Ready', status: 'True' }] } };
    const patched = await api.request('PATCH', `/api/v1/namespaces/${NS}/pods/reviews-0/status`, status, 'application/merge-patch+json');
    expect(patched.status).toBe(200);
    running = await runControllerWith({
      mode: { kind: 'kubernetes', namespace: 'meshform-system', podName: 'controller-0', tokenAudiences: [], kubeconfigFile: api.kubeconfig },
      host: '127.0.0.1',
      xdsPort: 0,
      adminPort: 0,
      xdsTls: false,
      debounceMs: 10,
      log: createLogger(process.env['MESHFORM_TEST_LOG'] ?? 'silent'),
    });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await running?.close();
    await api?.stop();
  });

  const connect = (node = proxylessNode()) => {
    const c = new AdsTestClient(`127.0.0.1:${running.xdsPort}`, node);
    clients.push(c);
    return c;
  };

  it('becomes ready once every informer has listed', async () => {
    await eventually(async () => (await fetch(`http://127.0.0.1:${running.adminPort}/readyz`)).status === 200, 'readiness');
  });

  it('serves listeners from the mesh CRDs and endpoints from ready Pods', async () => {
    const client = connect();
    client.subscribe(TypeUrl.Listener, [`${FQDN}:9080`]);
    expect(resourcesOf(await client.next(TypeUrl.Listener)).map((l) => l['name'])).toEqual([`${FQDN}:9080`]);
    client.subscribe(TypeUrl.ClusterLoadAssignment, [`outbound|9080||${FQDN}`]);
    const cla = resourcesOf(await client.next(TypeUrl.ClusterLoadAssignment))[0] as Loose;
    expect(cla.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toMatchObject({ address: '10.1.0.7', port_value: 9080 });
  });

  it('writes Accepted on valid resources and Invalid with the reason on others, as leader', async () => {
    await api.apply(mesh('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules: [{ backends: [{ weight: 60 }, { name: 'reviews', weight: 60 }] }] }));
    const conditionOf = async (kind: string, name: string) => ((await api.get('meshform.dev/v1alpha1', kind, name, NS))?.status as Loose)?.conditions?.[0];
    expect(await eventually(() => conditionOf('MeshService', 'reviews'), 'the MeshService condition', 20_000)).toMatchObject({ type: 'Accepted', status: 'True', reason: 'Accepted' });
    const invalid = await eventually(async () => ((await conditionOf('TrafficRoute', 'reviews'))?.status === 'False' ? conditionOf('TrafficRoute', 'reviews') : undefined), 'the Invalid condition', 20_000);
    expect(invalid.reason).toBe('Invalid:WEIGHTS_SUM');
    expect(invalid.message).toMatch(/add up to 120/);
    const lease = await api.get('coordination.k8s.io/v1', 'Lease', 'meshform-controller', 'meshform-system');
    expect((lease?.spec as Loose).holderIdentity).toBe('controller-0');
  });

  it('reads the kubernetes.io/tls Secrets gateway listeners name: MISSING_SECRET until the Secret exists, then Accepted', async () => {
    await api.apply(mesh('MeshGateway', 'edge', { listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com', tls: { certificates: [{ secretName: 'edge-tls' }] } }] }));
    const condition = async () => ((await api.get('meshform.dev/v1alpha1', 'MeshGateway', 'edge', NS))?.status as Loose)?.conditions?.[0];
    await eventually(async () => ((await condition())?.reason === 'Invalid:MISSING_SECRET' ? true : undefined), 'the MISSING_SECRET condition', 20_000);
    await api.apply(tlsSecretObject('edge-tls', NS, 'shop.example.com') as unknown as KubernetesObject);
    expect(await eventually(async () => ((await condition())?.status === 'True' ? condition() : undefined), 'the Accepted condition', 20_000)).toMatchObject({ reason: 'Accepted' });
  });

  it('gives a sidecar its certificate only for a ServiceAccount token the TokenReview accepts', async () => {
    const issued = await api.request('POST', `/api/v1/namespaces/${NS}/serviceaccounts/reviews/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    expect(issued.status).toBe(201);
    const good = connect(sidecarNode('reviews', '10.1.0.7', { TOKEN: issued.body.status.token, SERVICE_ACCOUNT: 'reviews' }, NS));
    good.subscribe(TypeUrl.Secret, ['default', 'ROOTCA']);
    const secret = resourcesOf(await good.next(TypeUrl.Secret)).find((r) => r['name'] === 'default') as Loose;
    expect(secret.tls_certificate.certificate_chain.inline_string).toMatch(/BEGIN CERTIFICATE/);
    const forged = connect(sidecarNode('reviews', '10.1.0.8', { TOKEN: 'not-a-token', SERVICE_ACCOUNT: 'reviews' }, NS));
    forged.subscribe(TypeUrl.Secret, ['default', 'ROOTCA']);
    await eventually(async () => /meshform_sds_denied_total\{reason="TOKEN_INVALID"\} 1/.test(await (await fetch(`http://127.0.0.1:${running.adminPort}/metrics`)).text()), 'the refusal');
    expect(forged.pending(TypeUrl.Secret)).toEqual([]);
  });
});
