import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { AdsTestClient } from '../../support/controller-ads-client';
import { adminJson, manifest, startLocalController, type LocalControllerHarness } from '../../support/controller-harness';
import { sidecarNode } from '../../support/controller-fixtures';

const MESH = [
  manifest('MeshService', 'reviews', { selector: { app: 'reviews' }, ports: [{ port: 9080, protocol: 'http' }] }),
  manifest('RateLimit', 'per-rule', { targetRef: { kind: 'MeshService', name: 'reviews' }, route: 'canary', local: { tokens: 1, fillInterval: '1s' } }),
];

describe('admin port', () => {
  let harness: LocalControllerHarness;
  let client: AdsTestClient;

  beforeAll(async () => {
    harness = await startLocalController({ manifests: MESH });
    client = new AdsTestClient(harness.xdsAddress, sidecarNode('reviews', '127.0.0.2', { TOKEN: 'secret-token' }));
    client.subscribe(TypeUrl.Listener);
    await client.next(TypeUrl.Listener);
  });
  afterAll(async () => {
    client?.close();
    await harness?.close();
  });

  it('answers health and readiness', async () => {
    expect((await fetch(`${harness.adminUrl}/healthz`)).status).toBe(200);
    expect(await adminJson(harness, '/readyz')).toEqual({ ready: true });
  });

  it('exposes Prometheus metrics for proxies, pushes and push latency', async () => {
    harness.writeManifest('mesh.yaml', [...MESH, manifest('MeshService', 'ratings', { selector: { app: 'ratings' }, ports: [{ port: 9090, protocol: 'http' }] })]);
    await client.next(TypeUrl.Listener);
    const text = await (await fetch(`${harness.adminUrl}/metrics`)).text();
    expect(text).toMatch(/^meshform_xds_connected_proxies 1$/m);
    expect(text).toMatch(/^meshform_xds_pushes_total\{type="LDS"\} [1-9]/m);
    expect(text).toMatch(/^meshform_translation_issues\{code="APPROXIMATED"\} 1$/m);
    expect(text).toMatch(/^meshform_invalid_resources 1$/m);
    expect(text).toMatch(/^meshform_xds_push_latency_seconds_count\{type="LDS"\} 1$/m);
  });

  it('dumps what a proxy was sent, with its token redacted', async () => {
    const [dump] = await adminJson(harness, `/debug/config_dump?proxy=${encodeURIComponent('sidecar~127.0.0.2~reviews.default~default.svc.cluster.local')}`);
    expect(dump.node).toMatchObject({ kind: 'sidecar', workload: 'reviews', token: '<redacted>' });
    expect(dump.xds.LDS.resources.map((l: { name: string }) => l.name)).toEqual(expect.arrayContaining(['inbound_127.0.0.2_9080', '0.0.0.0_9080']));
    expect(JSON.stringify(dump)).not.toContain('secret-token');
  });

  it('says which proxies exist when asked for an unknown one', async () => {
    const response = await fetch(`${harness.adminUrl}/debug/config_dump?proxy=nobody`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { connected: string[] }).connected).toEqual(['sidecar~127.0.0.2~reviews.default~default.svc.cluster.local']);
  });

  it('lists resource statuses and translation issues', async () => {
    const body = await adminJson(harness, '/debug/resources');
    const byKey = new Map<string, unknown>(body.resources.map((r: { key: string }) => [r.key, r]));
    expect(byKey.get('MeshService/default/reviews')).toMatchObject({ accepted: true, inForce: 'current' });
    // analyzeMesh finds no rule named "canary"; the resource stays in force and the finding is shown.
    expect(byKey.get('RateLimit/default/per-rule')).toMatchObject({ accepted: false, inForce: 'current' });
    expect(body.translationIssues).toContainEqual(expect.objectContaining({ code: 'APPROXIMATED', where: 'RateLimit default/per-rule', field: 'spec.route' }));
  });
});
