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
});
