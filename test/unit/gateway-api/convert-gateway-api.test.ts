import { describe, expect, it } from 'vitest';
import { convertGatewayApi, type GatewayApiResult } from '../../../lib/gateway-api';

const gateway = (listeners: Record<string, unknown>[], extra: Record<string, unknown> = {}, namespace = 'edge') => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'public', namespace, generation: 3 },
  spec: { gatewayClassName: 'meshform', listeners, ...extra },
});
const httpRoute = (spec: Record<string, unknown>, namespace = 'shop', name = 'reviews') => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace, generation: 2 }, spec });
const serviceParent = { group: '', kind: 'Service', name: 'reviews', port: 9080 };
const grant = (to: Record<string, unknown>, from = { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' }) => ({
  apiVersion: 'gateway.networking.k8s.io/v1beta1',
  kind: 'ReferenceGrant',
  metadata: { name: 'allow', namespace: 'ratings-ns' },
  spec: { from: [from], to: [to] },
});

function convert(...objects: unknown[]): GatewayApiResult[] {
  return convertGatewayApi(objects.map((object, i) => ({ object, origin: `routes.yaml#${i}` })));
}
function conditionsOf(result: GatewayApiResult | undefined, parent = 0): Record<string, { status: string; reason: string; message: string }> {
  const parents = (result?.status as { parents: { conditions: { type: string; status: string; reason: string; message: string }[] }[] }).parents;
  return Object.fromEntries(parents[parent]!.conditions.map((c) => [c.type, c]));
}

describe('Gateway API conversion', () => {
  it('turns an HTTPRoute with a Service parent (GAMMA) into a TrafficRoute of that service, accepted with resolved refs', () => {
    const [route] = convert(
      httpRoute({
        parentRefs: [serviceParent],
        rules: [
          { matches: [{ path: { type: 'Exact', value: '/exact' }, headers: [{ name: 'X-Version', value: 'two' }], queryParams: [{ name: 'q', value: '1' }], method: 'POST' }], backendRefs: [{ name: 'reviews-v2', port: 9080 }] },
          { backendRefs: [{ name: 'reviews', port: 9080, weight: 3 }, { name: 'reviews-v2', port: 9080, weight: 1 }], timeouts: { request: '500ms' } },
        ],
      }),
    );
    expect(route!.resources).toEqual([
      expect.objectContaining({
        kind: 'TrafficRoute',
        metadata: expect.objectContaining({ name: 'httproute-reviews', namespace: 'shop' }),
        spec: {
          service: { name: 'reviews', port: 9080 },
          rules: [
            { matches: [{ path: { type: 'Exact', value: '/exact' }, method: 'POST', headers: [{ name: 'x-version', value: 'two' }], queryParams: [{ name: 'q', value: '1' }] }], backends: [{ name: 'reviews-v2', port: 9080 }] },
            { backends: [{ name: 'reviews', port: 9080, weight: 75 }, { name: 'reviews-v2', port: 9080, weight: 25 }], timeout: '500ms' },
          ],
        },
      }),
    ]);
    const c = conditionsOf(route);
    expect(c.Accepted).toMatchObject({ status: 'True', reason: 'Accepted', observedGeneration: 2 });
    expect(c.Accepted!.message).toBe('routes the traffic to Service shop/reviews');
    expect(c.ResolvedRefs).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
    expect(route!.findings).toEqual([]);
  });

  it('refuses a route with an unsupported field with UnsupportedValue naming the field, and makes nothing of it', () => {
    const [route] = convert(httpRoute({ parentRefs: [serviceParent], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }], filters: [{ type: 'CORS', cors: { allowOrigins: ['*'] } }] }] }));
    expect(route!.resources).toEqual([]);
    expect(conditionsOf(route).Accepted).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
    expect(conditionsOf(route).Accepted!.message).toContain('spec.rules[0].filters[0]');
    expect(route!.findings).toEqual([expect.objectContaining({ code: 'GATEWAY_API_UNSUPPORTED', where: 'routes.yaml#0 HTTPRoute shop/reviews', field: 'spec.rules[0].filters[0]' })]);
  });

  it('refuses a backend in another namespace without a ReferenceGrant (RefNotPermitted, the rule answers 500) and uses it with one', () => {
    const route = httpRoute({ parentRefs: [serviceParent], rules: [{ backendRefs: [{ name: 'ratings', namespace: 'ratings-ns', port: 9080 }] }] });
    const [without] = convert(route);
    expect(conditionsOf(without).ResolvedRefs).toMatchObject({ status: 'False', reason: 'RefNotPermitted' });
    expect(conditionsOf(without).Accepted).toMatchObject({ status: 'True' });
    expect((without!.resources[0]!.spec.rules as unknown[])[0]).toEqual({ directResponse: { status: 500 } });
    expect(without!.findings.map((f) => f.code)).toEqual(['GATEWAY_API_REF_NOT_PERMITTED']);

    const [withGrant] = convert(route, grant({ group: '', kind: 'Service' }));
    expect(conditionsOf(withGrant).ResolvedRefs).toMatchObject({ status: 'True' });
    expect((withGrant!.resources[0]!.spec.rules as unknown[])[0]).toEqual({ backends: [{ name: 'ratings', namespace: 'ratings-ns', port: 9080 }] });
    // A grant for another kind, or from another namespace, does not allow it.
    const [otherKind] = convert(route, grant({ group: '', kind: 'Service' }, { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute', namespace: 'shop' }));
    expect(conditionsOf(otherKind).ResolvedRefs).toMatchObject({ reason: 'RefNotPermitted' });
  });

  it('says in the Accepted message what is carried out with a different meaning', () => {
    const [route] = convert(httpRoute({ parentRefs: [serviceParent], rules: [{ backendRefs: [{ name: 'reviews', port: 9080, weight: 1 }, { name: 'reviews-v2', port: 9080, weight: 2 }] }] }));
    expect(conditionsOf(route).Accepted).toMatchObject({ status: 'True', message: 'routes the traffic to Service shop/reviews\ncarried out differently: spec.rules[0].backendRefs: weights became whole percents 33:67' });
  });

  it('accepts a consumer route (another namespace than its Service) and says it applies to every caller', () => {
    const [route] = convert(httpRoute({ parentRefs: [{ ...serviceParent, namespace: 'reviews-ns' }], rules: [{ backendRefs: [{ name: 'reviews', namespace: 'reviews-ns', port: 9080 }] }] }, 'shop', 'consumer'));
    expect(route!.resources[0]).toMatchObject({ kind: 'TrafficRoute', metadata: { namespace: 'shop' }, spec: { service: { name: 'reviews', namespace: 'reviews-ns' } } });
    expect(conditionsOf(route).Accepted!.message).toContain('carried out differently: spec.parentRefs[0].namespace: a route in another namespace than its Service');
  });

  it('reports a backend that names no Service of the mesh as BackendNotFound', () => {
    const [route] = convertGatewayApi([{ object: httpRoute({ parentRefs: [serviceParent], rules: [{ backendRefs: [{ name: 'nowhere', port: 80 }] }] }), origin: '' }], { serviceExists: (_ns, name) => name === 'reviews' });
    expect(conditionsOf(route).ResolvedRefs).toMatchObject({ status: 'False', reason: 'BackendNotFound' });
  });

  it('turns a Gateway of class meshform into a MeshGateway, counts attached routes, and a route into a GatewayRoute', () => {
    const results = convert(
      gateway([
        { name: 'http', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
        { name: 'https', port: 8443, protocol: 'HTTPS', hostname: '*.example.com', tls: { certificateRefs: [{ name: 'example-tls' }] } },
      ]),
      httpRoute({ parentRefs: [{ name: 'public', namespace: 'edge', sectionName: 'http' }], hostnames: ['shop.example.com'], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] }),
    );
    const [gw, route] = results;
    expect(gw!.resources).toEqual([
      expect.objectContaining({ kind: 'MeshGateway', spec: { listeners: [{ name: 'http', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: 'All' } }, { name: 'https', port: 8443, protocol: 'HTTPS', hostname: '*.example.com', tls: { certificates: [{ secretName: 'example-tls' }] } }] } }),
    ]);
    const status = gw!.status as { conditions: { type: string; status: string }[]; listeners: { name: string; attachedRoutes: number }[] };
    expect(status.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'Programmed=True']);
    expect(status.listeners.map((l) => `${l.name}:${l.attachedRoutes}`)).toEqual(['http:1', 'https:0']);
    expect(route!.resources).toEqual([expect.objectContaining({ kind: 'GatewayRoute', spec: { parentRefs: [{ name: 'public', namespace: 'edge', sectionName: 'http' }], hostnames: ['shop.example.com'], rules: [{ backends: [{ name: 'reviews', port: 9080 }] }] } })]);
    expect(conditionsOf(route).Accepted).toMatchObject({ status: 'True' });
  });

  it('does not attach a route of another namespace to a listener that admits the Same namespace (NotAllowedByListeners)', () => {
    const [, route] = convert(gateway([{ name: 'http', port: 8080, protocol: 'HTTP' }]), httpRoute({ parentRefs: [{ name: 'public', namespace: 'edge' }], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] }));
    expect(conditionsOf(route).Accepted).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });
    expect(route!.resources).toEqual([]);
    expect(route!.findings.map((f) => f.code)).toEqual(['GATEWAY_API_NOT_ATTACHED']);
  });

  it('leaves out a listener with an unsupported protocol (UnsupportedProtocol) and serves the others; gateway-wide addresses refuse the Gateway', () => {
    const [gw] = convert(gateway([{ name: 'http', port: 8080, protocol: 'HTTP' }, { name: 'tcp', port: 9000, protocol: 'TCP' }]));
    const status = gw!.status as { conditions: { type: string; status: string; reason: string }[]; listeners: { name: string; conditions: { type: string; status: string; reason: string }[] }[] };
    expect(status.conditions[0]).toMatchObject({ type: 'Accepted', status: 'True', reason: 'ListenersNotValid' });
    expect(status.listeners[1]!.conditions[0]).toMatchObject({ type: 'Accepted', status: 'False', reason: 'UnsupportedProtocol' });
    expect((gw!.resources[0]!.spec.listeners as { name: string }[]).map((l) => l.name)).toEqual(['http']);
    expect(gw!.findings).toEqual([expect.objectContaining({ code: 'GATEWAY_API_UNSUPPORTED', field: 'spec.listeners[1].protocol' })]);

    const [withAddress] = convert(gateway([{ name: 'http', port: 8080, protocol: 'HTTP' }], { addresses: [{ type: 'IPAddress', value: '10.0.0.1' }] }));
    expect((withAddress!.status as { conditions: { status: string; reason: string }[] }).conditions[0]).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
    expect(withAddress!.resources).toEqual([]);
  });

  it('ignores Gateways of other classes and routes attached only to them', () => {
    const other = { ...gateway([{ name: 'http', port: 80, protocol: 'HTTP' }]), spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } };
    const [gw, route] = convert(other, httpRoute({ parentRefs: [{ name: 'public', namespace: 'edge' }], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] }));
    expect(gw!.status).toBeUndefined();
    expect(route!.status).toBeUndefined();
    expect(route!.resources).toEqual([]);
  });

  it('turns a GRPCRoute method match into a path match on /<service>/<method>', () => {
    const [route] = convert({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'echo', namespace: 'shop' },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'echo', port: 50051 }], rules: [{ matches: [{ method: { service: 'echo.Echo', method: 'Say' } }], backendRefs: [{ name: 'echo-v2', port: 50051 }] }, { matches: [{ method: { service: 'echo.Echo' } }], backendRefs: [{ name: 'echo', port: 50051 }] }] },
    });
    expect(route!.resources[0]).toMatchObject({ kind: 'TrafficRoute', metadata: { name: 'grpcroute-echo' }, spec: { rules: [{ matches: [{ path: { type: 'Exact', value: '/echo.Echo/Say' } }] }, { matches: [{ path: { type: 'Prefix', value: '/echo.Echo/' } }] }] } });
  });

  it('reports a filter without its settings as a finding on that route alone', () => {
    const results = convert(httpRoute({ parentRefs: [serviceParent], rules: [{ filters: [{ type: 'RequestRedirect' }] }] }, 'shop', 'odd'), httpRoute({ parentRefs: [serviceParent], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] }));
    expect(results[0]!.findings).toEqual([expect.objectContaining({ code: 'GATEWAY_API_INVALID', field: 'spec' })]);
    expect(results[0]!.resources).toEqual([]);
    expect(results[1]!.resources).toHaveLength(1);
  });

  it('names what is wrong with a malformed object and affects nothing else', () => {
    const results = convert(httpRoute({ parentRefs: [serviceParent], rules: [{ backendRefs: [{ port: 9080 }] }] }, 'shop', 'broken'), httpRoute({ parentRefs: [serviceParent], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] }));
    expect(results[0]!.findings).toEqual([expect.objectContaining({ code: 'GATEWAY_API_INVALID', field: 'spec.rules[0].backendRefs[0].name' })]);
    expect(results[0]!.resources).toEqual([]);
    expect(results[1]!.resources).toHaveLength(1);
  });
});

describe('Gateway listener certificates', () => {
  const httpsGateway = gateway([
    { name: 'http', port: 8080, protocol: 'HTTP' },
    { name: 'https', port: 8443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'shared-tls', namespace: 'certs' }] } },
  ]);
  const listenerStatus = (result: GatewayApiResult | undefined) => (result!.status as { listeners: { name: string; conditions: { type: string; status: string; reason: string }[] }[] }).listeners[1]!.conditions;

  it('refuses a Secret in another namespace without a ReferenceGrant (RefNotPermitted) and leaves only that listener out', () => {
    const [gw] = convert(httpsGateway);
    expect(listenerStatus(gw)).toEqual([expect.objectContaining({ type: 'Accepted', status: 'True' }), expect.objectContaining({ type: 'ResolvedRefs', status: 'False', reason: 'RefNotPermitted' }), expect.objectContaining({ type: 'Programmed', status: 'False' })]);
    expect((gw!.resources[0]!.spec.listeners as { name: string }[]).map((l) => l.name)).toEqual(['http']);
  });

  it('uses the Secret once a ReferenceGrant in its namespace allows Gateways of the gateway\'s namespace', () => {
    const grantSecrets = { ...grant({ group: '', kind: 'Secret' }, { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'edge' }), metadata: { name: 'certs', namespace: 'certs' } };
    const [gw] = convert(httpsGateway, grantSecrets);
    expect(listenerStatus(gw).map((c) => c.status)).toEqual(['True', 'True', 'True']);
    expect((gw!.resources[0]!.spec.listeners as { tls?: unknown }[])[1]!.tls).toEqual({ certificates: [{ secretName: 'shared-tls', namespace: 'certs' }] });
  });
});

describe('several GAMMA routes on one Service', () => {
  it('become one TrafficRoute held by the oldest route, rules ordered by precedence, ties to the oldest', () => {
    const older = { ...httpRoute({ parentRefs: [serviceParent], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }, { matches: [{ path: { type: 'Exact', value: '/same' } }], backendRefs: [{ name: 'reviews-v2', port: 9080 }] }] }, 'shop', 'zeta'), metadata: { name: 'zeta', namespace: 'shop', creationTimestamp: '2026-01-01T00:00:00Z' } };
    const newer = { ...httpRoute({ parentRefs: [serviceParent], rules: [{ matches: [{ path: { type: 'Exact', value: '/same' } }], backendRefs: [{ name: 'reviews-v3', port: 9080 }] }, { matches: [{ path: { type: 'PathPrefix', value: '/v3' } }], backendRefs: [{ name: 'reviews-v3', port: 9080 }] }] }, 'shop', 'alpha'), metadata: { name: 'alpha', namespace: 'shop', creationTimestamp: '2026-02-01T00:00:00Z' } };
    const [a, b] = convert(newer, older);
    expect(a!.resources).toEqual([]);
    expect(b!.resources).toHaveLength(1);
    const merged = b!.resources[0]!;
    expect(merged.metadata).toMatchObject({ name: 'gamma-reviews-9080', annotations: { 'meshform.dev/converted-from': 'HTTPRoute shop/zeta, HTTPRoute shop/alpha' } });
    expect((merged.spec.rules as { backends?: { name: string }[] }[]).map((r) => r.backends?.[0]?.name)).toEqual(['reviews-v2', 'reviews-v3', 'reviews-v3', 'reviews']);
    expect(conditionsOf(a).Accepted).toMatchObject({ status: 'True' });
  });
});
