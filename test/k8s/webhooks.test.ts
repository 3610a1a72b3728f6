import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_PLANE_NAMES, MeshService, SidecarInjection, Workload } from '../../constructs';
import { createServingCertificate } from '../../controller/webhooks';
import { CAPTURED_OUTBOUND_PORTS_ANNOTATION, INJECTED_ANNOTATION, INJECT_ANNOTATION, MESHED_LABEL, INJECTION_NAMESPACE_LABEL, INIT_CONTAINER, PROXY_CONTAINER } from '../../lib/injection';
import { ApiError, startApiServer, type ApiServer, type KubernetesObject, type WatchedProcess } from '../../scripts/k8s/api-server';
import {
  CONTROL_PLANE_NAMESPACE,
  applyAll,
  jsonLines,
  refusals,
  serviceAccountToken,
  startMeshform,
  synthControlPlane,
  tokenKubeconfig,
  whoAmI,
} from './support/control-plane';

// The admission webhooks as a cluster install wires them, against a real kube-apiserver: the
// synthesized MutatingWebhookConfiguration / ValidatingWebhookConfiguration, `meshform
// bootstrap-secrets` run as the synthesized bootstrap ServiceAccount (its RBAC only) to make the
// Secrets and write the caBundle, and `meshform webhooks` serving the certificate from that Secret.
// The API server calls it over TLS and verifies it against that caBundle under the Service's DNS name.
//
// Loopback cannot be an EndpointSlice address (the server refuses 127.0.0.0/8), so the webhook
// Service is an ExternalName Service for `localhost`: the server resolves it to localhost and the
// webhook configuration's port, and still verifies the certificate for
// `meshform-webhooks.meshform-system.svc`. The one change to the synthesized configurations is that
// port (443 there; here the free port `meshform webhooks --port 0` picked).

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const N = CONTROL_PLANE_NAMES;
const LABELLED = 'shop';
const PLAIN = 'plain';
const DISABLED = 'opted-out';
const ADMISSION = 'admissionregistration.k8s.io/v1';

let api: ApiServer;
let synthesized: KubernetesObject[];
let webhooks: WatchedProcess | undefined;
const bootstrapRuns: WatchedProcess[] = [];
let bootstrapKubeconfig: string;
let bootstrapToken: string;
let proxyImage: string;
let injectionJson: string;

function exitCode(proc: WatchedProcess): Promise<number | null> {
  if (!proc.running) return Promise.resolve(proc.child.exitCode);
  return new Promise((resolve) => proc.child.once('exit', (code) => resolve(code)));
}

/** `meshform bootstrap-secrets` with the synthesized Job's arguments, as the bootstrap ServiceAccount. */
async function runBootstrap(): Promise<{ code: number | null; output: string }> {
  const job = synthesized.find((o) => o.kind === 'Job')!;
  const args = (job as Loose).spec.template.spec.containers[0].args as string[];
  const proc = startMeshform(api, args, { kubeconfig: bootstrapKubeconfig, logName: `bootstrap-${bootstrapRuns.length}` });
  bootstrapRuns.push(proc);
  const code = await exitCode(proc);
  return { code, output: proc.output() };
}

function podObject(name: string, namespace: string, annotations: Record<string, string> = {}): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'reviews', version: 'v1' }, annotations },
    spec: { serviceAccountName: 'reviews', containers: [{ name: 'app', image: 'reviews:1', ports: [{ containerPort: 9080 }] }] },
  };
}

async function createPod(name: string, namespace: string, annotations: Record<string, string> = {}, dryRun = false): Promise<Loose> {
  const res = await api.request('POST', `/api/v1/namespaces/${namespace}/pods${dryRun ? '?dryRun=All' : ''}`, podObject(name, namespace, annotations));
  if (res.status !== 201) throw new ApiError(res.status, res.body, 'POST', `pods/${namespace}/${name}`);
  return res.body;
}

const containerNames = (pod: Loose) => ({
  init: ((pod.spec.initContainers ?? []) as { name: string }[]).map((c) => c.name),
  main: (pod.spec.containers as { name: string }[]).map((c) => c.name),
});

function invalidRoute(name: string, weights: [number, number]): KubernetesObject {
  return {
    apiVersion: 'meshform.dev/v1alpha1',
    kind: 'TrafficRoute',
    metadata: { name, namespace: LABELLED },
    spec: { service: { name: 'reviews' }, rules: [{ backends: [{ version: 'v1', weight: weights[0] }, { version: 'v2', weight: weights[1] }] }] },
  };
}

beforeAll(async () => {
  api = await startApiServer();
  synthesized = synthControlPlane();
  injectionJson = (synthesized.find((o) => o.kind === 'ConfigMap' && o.metadata.name === N.injectionConfigMap) as Loose).data['injection.json'];
  proxyImage = JSON.parse(injectionJson).proxyImage;
  const isWebhookService = (o: KubernetesObject) => o.kind === 'Service' && o.metadata.name === N.webhookService;
  await applyAll(api, synthesized.filter((o) => !isWebhookService(o)));
  await api.apply({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: N.webhookService, namespace: CONTROL_PLANE_NAMESPACE },
    spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https-webhooks', port: 443 }] },
  });
  for (const [name, labels] of [[LABELLED, { [INJECTION_NAMESPACE_LABEL]: 'enabled' }], [PLAIN, {}], [DISABLED, { [INJECTION_NAMESPACE_LABEL]: 'disabled' }]] as const) {
    await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    await api.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reviews', namespace: name } });
  }

  bootstrapToken = await serviceAccountToken(api, CONTROL_PLANE_NAMESPACE, N.bootstrap);
  bootstrapKubeconfig = await tokenKubeconfig(api, bootstrapToken, 'bootstrap.kubeconfig');
  const first = await runBootstrap();
  if (first.code !== 0) throw new Error(`meshform bootstrap-secrets exited ${first.code}:\n${first.output}`);

  // The webhooks container's files, from the Secret and the ConfigMap the pod would mount.
  const secret = await api.get('v1', 'Secret', N.webhookSecret, CONTROL_PLANE_NAMESPACE);
  const data = (secret as Loose).data as Record<string, string>;
  const file = (name: string) => path.join(api.dir, name);
  await writeFile(file('webhook.crt'), Buffer.from(data['tls.crt']!, 'base64'));
  await writeFile(file('webhook.key'), Buffer.from(data['tls.key']!, 'base64'));
  await writeFile(file('injection.json'), injectionJson);
  // The webhooks container runs as the controller's ServiceAccount, and reads the mesh's ports with it.
  const controllerKubeconfig = await tokenKubeconfig(api, await serviceAccountToken(api, CONTROL_PLANE_NAMESPACE, N.controller), 'controller.kubeconfig');
  webhooks = startMeshform(api, ['webhooks', '--port', '0', '--host', '127.0.0.1', '--cert', file('webhook.crt'), '--key', file('webhook.key'), '--injection-config', file('injection.json')], { kubeconfig: controllerKubeconfig, logName: 'webhooks' });
  const { webhookPort } = JSON.parse(await webhooks.line(/"event":"ready"/)) as { webhookPort: number };

  for (const [kind, name, count] of [['MutatingWebhookConfiguration', N.mutatingWebhook, 2], ['ValidatingWebhookConfiguration', N.validatingWebhook, 1]] as const) {
    const patch = Array.from({ length: count }, (_, i) => ({ op: 'replace', path: `/webhooks/${i}/clientConfig/service/port`, value: webhookPort }));
    const res = await api.request('PATCH', await api.objectPath(ADMISSION, kind, name), patch, 'application/json-patch+json');
    if (res.status !== 200) throw new Error(`re-pointing ${kind} ${name}: ${res.status} ${res.text}`);
  }
  // The server picks up webhook configurations through an informer: wait until a dry-run pod comes back injected.
  await api.waitFor('the injection webhook in force', async () => containerNames(await createPod('probe', LABELLED, {}, true)).init.includes(PROXY_CONTAINER), 30_000);
});

afterAll(async () => {
  await webhooks?.stop();
  await Promise.all(bootstrapRuns.map((p) => p.stop()));
  await api?.stop();
});

describe('meshform bootstrap-secrets as the synthesized bootstrap ServiceAccount', () => {
  it('runs as that ServiceAccount (not an admin) and nothing it does is refused', async () => {
    const me = await whoAmI(api, bootstrapToken);
    expect(me.username).toBe(`system:serviceaccount:${CONTROL_PLANE_NAMESPACE}:${N.bootstrap}`);
    expect(me.groups).not.toContain('system:masters');
    expect(refusals(bootstrapRuns[0]!.output())).toEqual([]);
  });

  it('creates the CA and webhook Secrets and writes their CA into every webhook caBundle', async () => {
    const ca = await api.get('v1', 'Secret', 'meshform-ca', CONTROL_PLANE_NAMESPACE);
    expect(Object.keys((ca as Loose).data).sort()).toEqual(['tls.crt', 'tls.key']);
    const serving = (await api.get('v1', 'Secret', N.webhookSecret, CONTROL_PLANE_NAMESPACE)) as Loose;
    expect(serving.type).toBe('kubernetes.io/tls');
    const bundle = serving.data['ca.crt'];
    expect(Buffer.from(bundle, 'base64').toString()).toMatch(/BEGIN CERTIFICATE/);
    const mutating = (await api.get(ADMISSION, 'MutatingWebhookConfiguration', N.mutatingWebhook)) as Loose;
    const validating = (await api.get(ADMISSION, 'ValidatingWebhookConfiguration', N.validatingWebhook)) as Loose;
    expect([...mutating.webhooks, ...validating.webhooks].map((w: Loose) => w.clientConfig.caBundle)).toEqual([bundle, bundle, bundle]);
  });

  it('a second run keeps both Secrets as they are', async () => {
    const before = await api.get('v1', 'Secret', N.webhookSecret, CONTROL_PLANE_NAMESPACE);
    const again = await runBootstrap();
    expect(again.code, again.output).toBe(0);
    expect(refusals(again.output)).toEqual([]);
    const after = await api.get('v1', 'Secret', N.webhookSecret, CONTROL_PLANE_NAMESPACE);
    expect(after!.metadata.resourceVersion).toBe(before!.metadata.resourceVersion);
  });
});

describe('sidecar injection by the API server calling meshform webhooks', () => {
  it('a Pod created in a labelled namespace is stored with the sidecar', async () => {
    await createPod('reviews-0', LABELLED);
    const stored = (await api.get('v1', 'Pod', 'reviews-0', LABELLED)) as Loose;
    expect(containerNames(stored)).toEqual({ init: [INIT_CONTAINER, PROXY_CONTAINER], main: ['app'] });
    const proxy = stored.spec.initContainers.find((c: Loose) => c.name === PROXY_CONTAINER);
    expect(proxy.image).toBe(proxyImage);
    expect(proxy.restartPolicy).toBe('Always'); // a native sidecar
    expect(stored.metadata.annotations[INJECTED_ANNOTATION]).toBeDefined();
    // What the control plane's NetworkPolicy admits to xDS, beside the pod's own labels.
    expect(stored.metadata.labels).toEqual({ app: 'reviews', version: 'v1', [MESHED_LABEL]: 'true' });
    const reviewed = jsonLines(webhooks!.output()).filter((l) => l['event'] === 'admission' && l['namespace'] === LABELLED && l['patched'] === true);
    expect(reviewed.length).toBeGreaterThan(0);
  });

  it("captures the ports of the mesh's services as the API server holds them when the Pod is created", async () => {
    const captured = async (name: string) => ((await createPod(name, LABELLED, {}, true)) as Loose).metadata.annotations[CAPTURED_OUTBOUND_PORTS_ANNOTATION];
    await api.apply({ apiVersion: 'meshform.dev/v1alpha1', kind: 'MeshService', metadata: { name: 'details', namespace: LABELLED }, spec: { selector: { app: 'details' }, ports: [{ port: 9091 }] } });
    await api.apply({ apiVersion: 'meshform.dev/v1alpha1', kind: 'ExternalService', metadata: { name: 'payments', namespace: LABELLED }, spec: { hosts: ['api.payments.example'], ports: [{ port: 8443 }] } });
    // The webhook's watch sees what was applied a moment later; a pod created after that captures both ports.
    expect(await api.waitFor('both ports captured', async () => ((await captured('watch')) === '8443,9091' ? true : undefined), 30_000)).toBe(true);
    expect(refusals(webhooks!.output())).toEqual([]);
  });

  it('a Pod that opts out with meshform.dev/inject: "false" is left alone', async () => {
    await createPod('opted-out', LABELLED, { [INJECT_ANNOTATION]: 'false' });
    expect(containerNames(await api.get('v1', 'Pod', 'opted-out', LABELLED))).toEqual({ init: [], main: ['app'] });
  });

  it('in an unlabelled namespace only a Pod annotated meshform.dev/inject: "true" is injected', async () => {
    await createPod('plain', PLAIN);
    expect(containerNames(await api.get('v1', 'Pod', 'plain', PLAIN))).toEqual({ init: [], main: ['app'] });
    await createPod('asked', PLAIN, { [INJECT_ANNOTATION]: 'true' });
    expect(containerNames(await api.get('v1', 'Pod', 'asked', PLAIN)).init).toEqual([INIT_CONTAINER, PROXY_CONTAINER]);
  });

  it('a Pod of a Deployment injected at synth (SidecarInjection, the default) is not injected twice', async () => {
    const chart = new Chart(new App(), 'apps', { namespace: LABELLED });
    new SidecarInjection(chart, 'Injection', JSON.parse(injectionJson));
    new MeshService(chart, 'ratings', { ports: [{ port: 9080, targetPort: 8080 }], workload: Workload.image('ratings:1') });
    const deployment = (Testing.synth(chart) as Loose[]).find((o) => o.kind === 'Deployment');
    const template = deployment.spec.template;
    expect(containerNames(template).init).toContain(PROXY_CONTAINER);
    await api.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: template.spec.serviceAccountName ?? 'default', namespace: LABELLED } });
    const res = await api.request('POST', `/api/v1/namespaces/${LABELLED}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name: 'ratings-0', namespace: LABELLED }, spec: template.spec });
    expect(res.status, res.text).toBe(201);
    expect(containerNames(res.body)).toEqual(containerNames(template));
    expect(containerNames(res.body).init.filter((n: string) => n === PROXY_CONTAINER)).toHaveLength(1);
  });

  it('a namespace labelled disabled is never injected, even on request', async () => {
    await createPod('asked', DISABLED, { [INJECT_ANNOTATION]: 'true' });
    expect(containerNames(await api.get('v1', 'Pod', 'asked', DISABLED)).init).toEqual([]);
  });
});

describe('validation of mesh resources by the API server calling meshform webhooks', () => {
  it('creating an invalid mesh resource is refused with the zod finding (a rule the CRD schema cannot express)', async () => {
    const res = await api.request('POST', `/apis/meshform.dev/v1alpha1/namespaces/${LABELLED}/trafficroutes`, invalidRoute('reviews', [97, 10]));
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('admission webhook "resources.validation.meshform.dev" denied the request');
    expect(res.body.message).toContain('[WEIGHTS_SUM] TrafficRoute shop/reviews: spec.rules[0].backends weights add up to 107; they must add up to 100.');
    expect(await api.get('meshform.dev/v1alpha1', 'TrafficRoute', 'reviews', LABELLED)).toBeUndefined();
  });

  it('server-side apply is refused the same way; a valid resource is accepted', async () => {
    const err = await api.apply(invalidRoute('applied', [50, 60])).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(422);
    expect((err as ApiError).message).toMatch(/denied the request: \[WEIGHTS_SUM\].*add up to 110/);
    const ok = await api.apply(invalidRoute('applied', [50, 50]));
    expect(ok.metadata.uid).toBeTruthy();
  });

  it('an update that would make a stored resource invalid is refused; the stored one stays', async () => {
    const err = await api.apply(invalidRoute('applied', [50, 51])).then(() => undefined, (e: unknown) => e);
    expect((err as ApiError).message).toMatch(/\[WEIGHTS_SUM\].*add up to 101/);
    const stored = (await api.get('meshform.dev/v1alpha1', 'TrafficRoute', 'applied', LABELLED)) as Loose;
    expect(stored.spec.rules[0].backends.map((b: Loose) => b.weight)).toEqual([50, 50]);
  });
});

describe('TLS to the webhook is verified against the caBundle', () => {
  // Last: it breaks the mutating webhook on purpose.
  it('with a caBundle of another CA the server refuses to trust the webhook (failurePolicy Fail refuses the Pod)', async () => {
    const other = await createServingCertificate({ dnsNames: [`${N.webhookService}.${CONTROL_PLANE_NAMESPACE}.svc`] });
    const patch = [0, 1].map((i) => ({ op: 'replace', path: `/webhooks/${i}/clientConfig/caBundle`, value: Buffer.from(other.caPem).toString('base64') }));
    const res = await api.request('PATCH', await api.objectPath(ADMISSION, 'MutatingWebhookConfiguration', N.mutatingWebhook), patch, 'application/json-patch+json');
    expect(res.status).toBe(200);
    const refused = await api.waitFor('the pod refused for the untrusted certificate', async () => {
      const attempt = await api.request('POST', `/api/v1/namespaces/${LABELLED}/pods?dryRun=All`, podObject('untrusted', LABELLED));
      return attempt.status >= 400 ? attempt : undefined;
    });
    expect(refused.body.message).toContain('failed calling webhook "namespace.injection.meshform.dev"');
    expect(refused.body.message).toMatch(/x509|certificate/);
  });
});
