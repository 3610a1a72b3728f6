import { describe, expect, it } from 'vitest';
import type { MeshResource } from '../../../lib/api';
import { analyzeMesh, parseResource } from '../../../lib/validation';

const res = (kind: string, name: string, spec: unknown, namespace = 'shop') => parseResource({ apiVersion: 'meshform.dev/v1alpha1', kind, metadata: { name, namespace }, spec });
const web = res('MeshService', 'web', { selector: { app: 'web' }, ports: [{ port: 8080, protocol: 'http' }] });
const edge = res('MeshGateway', 'edge', { listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com', tls: { certificates: [{ secretName: 'shop-tls' }] } }] });
const route = (spec: object, namespace = 'shop') => res('GatewayRoute', 'web', { parentRefs: [{ name: 'edge', namespace: 'shop' }], rules: [{ backends: [{ name: 'web' }] }], ...spec }, namespace);
const findings = (resources: MeshResource[], tlsSecrets?: Set<string>) => analyzeMesh(resources, undefined, tlsSecrets ? { tlsSecrets } : {}).map((f) => ({ code: f.code, where: f.where, field: f.field }));

describe('gateway cross-checks', () => {
  it('find nothing wrong with a route attached to a gateway whose Secret is at hand', () => {
    expect(findings([web, edge, route({})], new Set(['shop/shop-tls']))).toEqual([]);
  });

  it('report a listener Secret that is not at hand on the MeshGateway', () => {
    expect(findings([web, edge, route({})], new Set())).toEqual([{ code: 'MISSING_SECRET', where: 'MeshGateway shop/edge', field: 'spec.listeners[0].tls.certificates[0].secretName' }]);
  });

  it('report a route to an unknown gateway and to an unknown service', () => {
    const bad = res('GatewayRoute', 'bad', { parentRefs: [{ name: 'nowhere' }], rules: [{ backends: [{ name: 'ghost' }] }] });
    expect(findings([web, edge, bad])).toEqual([
      { code: 'UNKNOWN_GATEWAY', where: 'GatewayRoute shop/bad', field: 'spec.parentRefs[0].name' },
      { code: 'UNKNOWN_SERVICE', where: 'GatewayRoute shop/bad', field: 'spec.rules[0].backends[0].name' },
    ]);
  });

  it('report a route the gateway does not admit: another namespace, or a host no listener serves', () => {
    expect(findings([web, res('MeshService', 'web', { selector: { app: 'web' }, ports: [{ port: 8080, protocol: 'http' }] }, 'other'), edge, route({}, 'other')])).toEqual([
      { code: 'ROUTE_NOT_ATTACHED', where: 'GatewayRoute other/web', field: 'spec.parentRefs[0]' },
    ]);
    expect(findings([web, edge, route({ hostnames: ['admin.example.com'] })])).toEqual([{ code: 'ROUTE_NOT_ATTACHED', where: 'GatewayRoute shop/web', field: 'spec.parentRefs[0]' }]);
  });

  it('report a RateLimit at a gateway naming a rule no route attached to it has', () => {
    const named = route({ rules: [{ name: 'checkout', backends: [{ name: 'web' }] }] });
    const limit = (rule: string) => res('RateLimit', 'edge', { targetRef: { kind: 'MeshGateway', name: 'edge' }, route: rule, local: { tokens: 2, fillInterval: '1m' } });
    expect(findings([web, edge, named, limit('checkout')])).toEqual([]);
    expect(findings([web, edge, named, limit('cart')])).toEqual([{ code: 'UNKNOWN_ROUTE', where: 'RateLimit shop/edge', field: 'spec.route' }]);
  });

  it('report a policy targeting a gateway that does not exist, and an ExternalService leaving through an ingress gateway', () => {
    const jwt = res('JwtPolicy', 'edge', { targetRef: { kind: 'MeshGateway', name: 'egde' }, rules: [{ issuer: 'https://issuer.example', jwks: '{"keys":[]}' }] });
    const api = res('ExternalService', 'api', { hosts: ['api.example.com'], ports: [{ port: 443 }], egressGateway: { name: 'edge' } });
    expect(findings([web, edge, jwt, api])).toEqual([
      { code: 'UNKNOWN_GATEWAY', where: 'JwtPolicy shop/edge', field: 'spec.targetRef.name' },
      { code: 'NOT_AN_EGRESS_GATEWAY', where: 'ExternalService shop/api', field: 'spec.egressGateway.name' },
    ]);
  });
});
