import { request } from 'node:https';
import { Chart, Testing } from 'cdk8s';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MeshService, SidecarInjection, Workload } from '../../../constructs';
import { API_GROUP_VERSION } from '../../../lib/api';
import { injectionConfig, meshCaptureOf, type InjectionConfigInput, type MeshCapture, type PodLike } from '../../../lib/injection';
import { parseResource } from '../../../lib/validation';
import { createServingCertificate, startWebhookServer, type WebhookServer } from '../../../controller/webhooks';
import { fullResources } from '../../fixtures/full-resources';
import { applyJsonPatch } from '../injection/apply-json-patch';

const INJECTION: InjectionConfigInput = { proxyImage: 'ghcr.io/meshform/proxy:0.1.0', excludeOutboundPorts: [5432] };

let server: WebhookServer;
let ca: string;
/** The mesh as the webhook's watch of the API server holds it at the moment. */
let mesh: MeshCapture | undefined;

beforeAll(async () => {
  const tls = await createServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  ca = tls.caPem;
  server = await startWebhookServer({ port: 0, host: '127.0.0.1', tls: { cert: tls.certPem, key: tls.keyPem }, injection: injectionConfig(INJECTION), mesh: () => mesh });
});

afterAll(async () => {
  await server?.close();
});

/** POSTs over TLS, verifying the server against the webhook CA as the API server would. */
function post(path: string, body: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'POST', ca, servername: 'localhost', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function review(object: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'c0ffee', operation: 'CREATE', namespace: 'shop', kind: { group: '', version: 'v1', kind: 'Pod' }, object, ...extra },
  });
}

/** What a chart with the `reviews` service synthesizes, with or without static injection. */
function synthReviews(staticInjection: boolean): any[] {
  const chart = new Chart(Testing.app(), 'apps', { namespace: 'shop' });
  if (staticInjection) new SidecarInjection(chart, 'Sidecars', INJECTION);
  new MeshService(chart, 'reviews', { ports: [{ port: 9080, targetPort: 8080 }], workload: Workload.image('reviews:1') });
  return Testing.synth(chart);
}

/** The pod template of the `reviews` Deployment a chart synthesizes, with or without static injection. */
function reviewsTemplate(staticInjection: boolean): PodLike {
  return synthReviews(staticInjection).find((o) => o.kind === 'Deployment').spec.template;
}

beforeEach(() => {
  // The chart's mesh resources, as the API server holds them once applied.
  mesh = meshCaptureOf(synthReviews(false).filter((o) => o.apiVersion === API_GROUP_VERSION).map((o) => parseResource(o)));
});

function patchOf(json: any): any[] {
  return JSON.parse(Buffer.from(json.response.patch, 'base64').toString('utf8'));
}

describe('the mutating webhook', () => {
  it('patches a pod into exactly what static injection synthesizes', async () => {
    const plain = reviewsTemplate(false);
    const { status, json } = await post('/inject', review(plain));
    expect(status).toBe(200);
    expect(json.response).toMatchObject({ uid: 'c0ffee', allowed: true, patchType: 'JSONPatch' });
    const patched = applyJsonPatch(plain, patchOf(json));
    const statically = reviewsTemplate(true);
    expect(statically.spec.initContainers?.map((c) => c.name)).toEqual(['meshform-init', 'meshform-proxy']);
    expect(patched).toEqual(statically);
  });

  it('leaves a pod that opts out untouched', async () => {
    const pod = { metadata: { labels: { app: 'legacy' }, annotations: { 'meshform.dev/inject': 'false' } }, spec: { containers: [{ name: 'legacy', image: 'l' }] } };
    const { json } = await post('/inject', review(pod));
    expect(json.response.allowed).toBe(true);
    expect(json.response.patch).toBeUndefined();
  });

  it('leaves a statically injected pod untouched rather than adding a second proxy', async () => {
    const { json } = await post('/inject', review(reviewsTemplate(true)));
    expect(json.response).toMatchObject({ allowed: true });
    expect(json.response.patch).toBeUndefined();
  });

  it('outside labelled namespaces injects only pods annotated meshform.dev/inject: "true"', async () => {
    const plain = reviewsTemplate(false);
    const withoutOptIn = { ...plain, metadata: { ...plain.metadata, annotations: {} } };
    expect((await post('/inject-opt-in', review(withoutOptIn))).json.response.patch).toBeUndefined();
    expect((await post('/inject-opt-in', review(plain))).json.response.patch).toBeDefined();
  });

  it("captures the mesh's ports as the API server holds them at admission: a service applied after the webhook started is captured by the next pod", async () => {
    const before = applyJsonPatch(reviewsTemplate(false), patchOf((await post('/inject', review(reviewsTemplate(false)))).json));
    expect(before.metadata?.annotations?.['meshform.dev/captured-outbound-ports']).toBe('9080');
    mesh = { ports: [443, 9080], outboundPolicy: 'REGISTRY_ONLY' };
    const after = applyJsonPatch(reviewsTemplate(false), patchOf((await post('/inject', review(reviewsTemplate(false)))).json));
    expect(after.metadata?.annotations?.['meshform.dev/captured-outbound-ports']).toBe('443,9080');
    const script: string = (after.spec.initContainers!.find((c) => c.name === 'meshform-init')!['command'] as string[])[2]!;
    expect(script).toContain('--dport 443 -j DNAT --to-destination 127.0.0.6\n');
    expect(script).toContain('-p tcp -j DNAT --to-destination 127.0.0.6:15001');
  });

  it('refuses to inject a pod before it has read the mesh, saying why, and injects once it has', async () => {
    mesh = undefined;
    const { json } = await post('/inject', review(reviewsTemplate(false)));
    expect(json.response).toMatchObject({ allowed: false, status: { code: 503 } });
    expect(json.response.status.message).toMatch(/has not yet read the mesh's MeshServices and ExternalServices/);
    mesh = { ports: [9080], outboundPolicy: 'ALLOW_ANY' };
    expect((await post('/inject', review(reviewsTemplate(false)))).json.response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });
  });

  it('refuses a pod whose capture annotation is malformed, with the reason', async () => {
    const pod = { metadata: { annotations: { 'meshform.dev/exclude-outbound-ports': 'none' } }, spec: { containers: [{ name: 'a', image: 'a' }] } };
    const { json } = await post('/inject', review(pod));
    expect(json.response).toMatchObject({ allowed: false, status: { code: 400 } });
    expect(json.response.status.message).toContain('meshform.dev/exclude-outbound-ports');
  });
});

describe('malformed AdmissionReviews', () => {
  it('are answered 400 with the reason, and the server keeps serving', async () => {
    const notJson = await post('/inject', '{"apiVersion":');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error).toMatch(/not JSON/);
    const noUid = await post('/validate', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } }));
    expect(noUid.status).toBe(400);
    expect(noUid.json.error).toMatch(/request\.uid/);
    const notAPod = await post('/inject', review({ spec: 'nope' }));
    expect(notAPod.json.response).toMatchObject({ uid: 'c0ffee', allowed: false, status: { code: 400 } });
    const after = await post('/inject', review(reviewsTemplate(false)));
    expect(after.json.response.allowed).toBe(true);
  });
});

describe('the validating webhook', () => {
  it('admits a valid mesh resource', async () => {
    const { json } = await post('/validate', review(fullResources().TrafficRoute));
    expect(json.response).toEqual({ uid: 'c0ffee', allowed: true });
  });

  it('rejects an invalid mesh resource with the zod validation message the constructs give', async () => {
    const route = structuredClone(fullResources().TrafficRoute) as any;
    route.spec.rules[0].backends[0].weight += 7;
    const { json } = await post('/validate', review(route));
    expect(json.response).toMatchObject({ allowed: false, status: { code: 422 } });
    expect(json.response.status.message).toContain('WEIGHTS_SUM');
    expect(json.response.status.message).toContain('spec.rules[0]');
  });

  it('lets deletions through without validating them', async () => {
    const { json } = await post('/validate', review(undefined, { operation: 'DELETE' }));
    expect(json.response.allowed).toBe(true);
  });
});
