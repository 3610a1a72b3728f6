import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeDir } from '../../../cli/analyze-command';
import { readMeshDir } from '../../../lib/manifests';

const FIXTURE = path.join(__dirname, '../../fixtures/gateway-api/shop');

describe('meshform analyze on a folder with Gateway API objects', () => {
  it('reports each unsupported field and refused reference with file, resource and field', () => {
    const findings = analyzeDir(FIXTURE).map((f) => ({ code: f.code, where: f.where.replace(/^.*fixtures\//, ''), field: f.field }));
    expect(findings).toEqual([
      { code: 'GATEWAY_API_UNSUPPORTED', where: 'gateway-api/shop/gateway.yaml#0 Gateway shop/public', field: 'spec.listeners[1].protocol' },
      { code: 'GATEWAY_API_UNSUPPORTED', where: 'gateway-api/shop/routes.yaml#1 HTTPRoute shop/reviews-cors', field: 'spec.rules[0].filters[0]' },
      { code: 'GATEWAY_API_REF_NOT_PERMITTED', where: 'gateway-api/shop/routes.yaml#2 HTTPRoute shop/to-ratings', field: 'spec.rules[0].backendRefs[0]' },
    ]);
  });

  it('reads what the objects become as mesh resources, named after where they came from', () => {
    const mesh = readMeshDir(FIXTURE);
    const made = mesh.resources.filter((r) => r.kind !== 'MeshService').map((r) => mesh.placeOf(r).replace(/^.*fixtures\//, ''));
    expect(made.sort()).toEqual([
      'gateway-api/shop/gateway.yaml#0 Gateway shop/public → MeshGateway shop/public',
      'gateway-api/shop/gateway.yaml#1 HTTPRoute shop/storefront → GatewayRoute shop/httproute-storefront',
      // Both GAMMA routes of Service reviews, merged (the refused backend's rule answers 500).
      'gateway-api/shop/routes.yaml#0 HTTPRoute shop/reviews → TrafficRoute shop/gamma-reviews-9080',
    ]);
  });

  it("refuses a hand-written MeshGateway naming another namespace's Secret, and passes a Gateway whose ReferenceGrant allows it", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meshform-analyze-'));
    try {
      writeFileSync(
        path.join(dir, 'gateways.yaml'),
        [
          'apiVersion: meshform.dev/v1alpha1',
          'kind: MeshGateway',
          'metadata: { name: written, namespace: shop }',
          'spec: { listeners: [{ name: https, port: 443, protocol: HTTPS, tls: { certificates: [{ secretName: shared-tls, namespace: certs }] } }] }',
          '---',
          'apiVersion: gateway.networking.k8s.io/v1',
          'kind: Gateway',
          'metadata: { name: converted, namespace: shop }',
          'spec: { gatewayClassName: meshform, listeners: [{ name: https, port: 443, protocol: HTTPS, tls: { certificateRefs: [{ name: shared-tls, namespace: certs }] } }] }',
          '---',
          'apiVersion: gateway.networking.k8s.io/v1beta1',
          'kind: ReferenceGrant',
          'metadata: { name: shop-gateways, namespace: certs }',
          "spec: { from: [{ group: gateway.networking.k8s.io, kind: Gateway, namespace: shop }], to: [{ group: '', kind: Secret }] }",
        ].join('\n'),
      );
      const mesh = readMeshDir(dir);
      expect(mesh.findings.map((f) => [f.code, f.where.replace(/^.*gateways\.yaml/, 'gateways.yaml'), f.field])).toEqual([
        ['CROSS_NAMESPACE_SECRET', 'gateways.yaml#0 MeshGateway shop/written', 'spec.listeners[0].tls.certificates[0].namespace'],
      ]);
      expect(mesh.resources.map((r) => r.metadata.name)).toEqual(['converted']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
