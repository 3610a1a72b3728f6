import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_GROUP, API_GROUP_VERSION, KIND_NAMES, KINDS, type KindName } from '../../lib/api';
import { customResourceDefinition } from '../../lib/crd';
import { fullResources, resourceVariants } from '../fixtures/full-resources';
import { ApiError, startApiServer, type ApiServer, type KubernetesObject } from '../../scripts/k8s/api-server';

// The mesh API against a real kube-apiserver (etcd + kube-apiserver built by scripts/k8s): the CRDs
// from lib/crd are accepted as structural and become Established, every fixture resource passes the
// server's own OpenAPI validation, and an invalid one is refused with the offending field named.

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

let api: ApiServer;

beforeAll(async () => {
  api = await startApiServer();
  await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
});

afterAll(async () => {
  await api?.stop();
});

const crdOf = (kind: KindName) => customResourceDefinition(kind) as unknown as KubernetesObject;

async function conditionsOf(name: string): Promise<Condition[]> {
  const crd = await api.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', name);
  return ((crd?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []);
}

async function waitEstablished(name: string): Promise<Condition[]> {
  return api.waitFor(`CRD ${name} Established`, async () => {
    const conditions = await conditionsOf(name);
    return conditions.some((c) => c.type === 'Established' && c.status === 'True') ? conditions : undefined;
  });
}

/** Applies every CRD and waits until the server serves every kind (discovery included). */
async function installCrds(): Promise<void> {
  for (const kind of KIND_NAMES) await api.apply(crdOf(kind));
  for (const kind of KIND_NAMES) await waitEstablished(`${KINDS[kind].plural}.${API_GROUP}`);
  await api.waitFor(`discovery of ${API_GROUP_VERSION}`, async () => {
    const res = await api.request('GET', `/apis/${API_GROUP_VERSION}`);
    if (res.status !== 200) return undefined;
    const served = new Set((res.body.resources as { name: string }[]).map((r) => r.name));
    return KIND_NAMES.every((k) => served.has(KINDS[k].plural));
  });
}

/** A copy of a fixture resource with `change` applied to its spec and a fresh name. */
function invalid(kind: KindName, name: string, change: (spec: any) => void): KubernetesObject {
  const copy = structuredClone(fullResources()[kind]) as unknown as KubernetesObject & { spec: unknown };
  copy.metadata.name = name;
  change(copy.spec);
  return copy;
}

async function rejection(object: KubernetesObject): Promise<ApiError> {
  const err = await api.apply(object).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected the server to refuse ${object.kind}/${object.metadata.name}, got ${String(err)}`);
  return err;
}

describe('CRDs from lib/crd on a real kube-apiserver', () => {
  it('the server runs and answers as admin', async () => {
    const version = await api.request('GET', '/version');
    expect(version.status).toBe(200);
    expect(version.body.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    const review = await api.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    });
    expect(review.status).toBe(201);
    expect(review.body.status.userInfo).toMatchObject({ username: 'admin', groups: expect.arrayContaining(['system:masters']) });
  });

  it('its kubeconfig serves @kubernetes/client-node (what the controller uses)', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfig);
    const namespaces = await kc.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(['default', 'kube-system', 'shop']));
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const configMap: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'client-node-probe', namespace: 'shop' }, data: { ok: 'yes' } };
    const applied = await objects.patch(
      configMap,
      undefined, undefined, 'meshform-test', true, PatchStrategy.ServerSideApply,
    );
    expect(applied.metadata?.uid).toBeTruthy();
  });

  it.each(KIND_NAMES)('%s: server-side apply accepts the CRD; it is structural and Established', async (kind) => {
    const crd = crdOf(kind);
    const applied = await api.apply(crd);
    expect(applied.metadata.uid).toBeTruthy();
    const conditions = await waitEstablished(crd.metadata.name);
    expect(conditions.find((c) => c.type === 'NonStructuralSchema')).toBeUndefined();
    expect(conditions).toContainEqual(expect.objectContaining({ type: 'NamesAccepted', status: 'True' }));
    // Applying the same CRD again is a no-op (no conflict, same generation).
    const again = await api.apply(crd);
    expect(again.metadata.generation).toBe(applied.metadata.generation);
  });
});

describe('mesh resources validated by the server', () => {
  beforeAll(installCrds);

  const cases: [string, KubernetesObject][] = [];
  for (const kind of KIND_NAMES) cases.push([kind, fullResources()[kind] as unknown as KubernetesObject]);
  for (const [kind, variants] of Object.entries(resourceVariants())) {
    variants!.forEach((v, i) => {
      const copy = structuredClone(v) as unknown as KubernetesObject;
      copy.metadata.name = `${copy.metadata.name}-variant-${i + 1}`;
      cases.push([`${kind} variant ${i + 1}`, copy]);
    });
  }

  it.each(cases)('%s: the full fixture is accepted by server-side apply and stored without loss', async (_label, object) => {
    const applied = await api.apply(object);
    expect(applied.metadata.uid).toBeTruthy();
    const stored = await api.get(object.apiVersion, object.kind, object.metadata.name, object.metadata.namespace);
    expect(stored).toBeDefined();
    // Every field we sent is stored as sent (a schema that pruned one would fail here); the server may
    // add the schema's defaults (zod .default() becomes an OpenAPI default), so not toEqual.
    expect(stored!.spec).toMatchObject(object.spec as object);
  });

  it('refuses retry attempts of 11 (max 10), naming the field', async () => {
    const err = await rejection(invalid('TrafficRoute', 'too-many-retries', (s) => (s.rules[0].retry.attempts = 11)));
    expect(err.status).toBe(422);
    expect(err.body.reason).toBe('Invalid');
    expect(err.message).toContain('spec.rules[0].retry.attempts');
    expect(err.message).toMatch(/less than or equal to 10/);
  });

  it('refuses an unknown enum value, naming the field and the allowed values', async () => {
    const err = await rejection(invalid('Mesh', 'bad-mtls-mode', (s) => (s.mtls.mode = 'SOMETIMES')));
    expect(err.status).toBe(422);
    expect(err.message).toContain('spec.mtls.mode');
    expect(err.message).toContain('Unsupported value: "SOMETIMES"');
    expect(err.message).toContain('"STRICT"');
  });

  // Server-side apply checks a patch's shape against the schema before validation proper, and reports
  // a wrong type or an undeclared field as 500 "failed to create typed patch object" (upstream
  // kubernetes/kubernetes#139253, a 400 once fixed); create and update answer 422/400 instead.
  const SSA_SCHEMA_ERROR = [400, 422, 500];

  it('refuses a wrong type, naming the field (apply and create)', async () => {
    const object = invalid('MeshService', 'replicas-as-text', (s) => (s.replicas = 'two'));
    const err = await rejection(object);
    expect(SSA_SCHEMA_ERROR).toContain(err.status);
    expect(err.message).toContain('.spec.replicas: expected numeric (int or float), got string');
    const created = await api.request('POST', '/apis/meshform.dev/v1alpha1/namespaces/shop/meshservices?fieldValidation=Strict', object);
    expect(created.status).toBe(422);
    expect(created.body.message).toContain('spec.replicas');
    expect(created.body.message).toMatch(/must be of type integer/);
  });

  it('refuses a field the schema does not have (apply and strict create)', async () => {
    const object = invalid('TrafficPolicy', 'unknown-field', (s) => (s.loadBalancer.stickiness = 'always'));
    const err = await rejection(object);
    expect(SSA_SCHEMA_ERROR).toContain(err.status);
    expect(err.message).toContain('.spec.loadBalancer.stickiness: field not declared in schema');
    const created = await api.request('POST', '/apis/meshform.dev/v1alpha1/namespaces/shop/trafficpolicies?fieldValidation=Strict', object);
    expect(created.status).toBe(400);
    expect(created.body.message).toContain('unknown field "spec.loadBalancer.stickiness"');
  });

  it('stores nothing for a refused resource', async () => {
    await rejection(invalid('TrafficRoute', 'refused-route', (s) => (s.rules[0].retry.attempts = 11)));
    expect(await api.get(API_GROUP_VERSION, 'TrafficRoute', 'refused-route', 'shop')).toBeUndefined();
  });
});
