import { describe, expect, it } from 'vitest';
import { intersectHostnames, MeshModel } from '../../../lib/model';
import { meshResourcesOf, proxyIdentity, translateForProxy } from '../../../lib/translate';
import { toStruct } from '../../../lib/xds';
import { instance, meshService, model, resource, sidecar } from '../../support/controller-fixtures';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const gatewayProxy = (name: string, extra: Record<string, unknown> = {}) =>
  proxyIdentity({ id: `router~127.0.0.20~${name}.default~default.svc.cluster.local`, cluster: name, metadata: toStruct({ GATEWAY: `default/${name}`, SERVICE_ACCOUNT: name, ...extra }) } as never);

const productpage = meshService('productpage', { ports: [{ port: 9080, protocol: 'http' }], versions: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });
const ingress = resource('MeshGateway', 'ingress', {
  listeners: [
    { name: 'http', port: 80, protocol: 'HTTP' },
    { name: 'shop', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com', tls: { certificates: [{ secretName: 'shop-tls' }] } },
    { name: 'admin', port: 443, protocol: 'HTTPS', hostname: 'admin.example.com', tls: { certificates: [{ secretName: 'admin-tls' }] } },
  ],
});
const shopRoute = resource('GatewayRoute', 'shop', {
  parentRefs: [{ name: 'ingress', sectionName: 'shop' }],
  hostnames: ['shop.example.com'],
  rules: [
    { matches: [{ path: { type: 'Prefix', value: '/v2' } }], backends: [{ name: 'productpage', version: 'v2' }] },
    { backends: [{ name: 'productpage', version: 'v1' }] },
  ],
});
const redirect = resource('GatewayRoute', 'to-https', { parentRefs: [{ name: 'ingress', sectionName: 'http' }], rules: [{ redirect: { scheme: 'https', statusCode: 301 } }] });

describe('ingress gateway translation', () => {
  const t = translateForProxy(model(productpage, ingress, shopRoute, redirect), [instance('productpage', '127.0.0.5', { version: 'v1' })], gatewayProxy('ingress'));
  const listener = (port: number) => t.listeners.find((l) => l['name'] === `gateway_${port}`) as Loose;
  const routes = (port: number) => t.routeConfigurations.find((r) => r['name'] === `gateway_${port}`) as Loose;

  it('gives each listener port one listener, HTTPS terminating TLS with every certificate of the port (chosen by SNI)', () => {
    expect(t.listeners.map((l) => l['name'])).toEqual(['gateway_443', 'gateway_80']);
    const tls = listener(443).filter_chains[0].transport_socket.typed_config;
    expect(tls.common_tls_context.tls_certificate_sds_secret_configs.map((s: Loose) => s.name)).toEqual(['kubernetes://default/shop-tls', 'kubernetes://default/admin-tls']);
    expect(tls.require_client_certificate).toBeUndefined();
    expect(listener(80).filter_chains[0].transport_socket).toBeUndefined();
    expect(listener(443).filter_chains[0].filters[0].typed_config.strip_any_host_port).toBe(true);
    expect(t.secretNames).toEqual(expect.arrayContaining(['kubernetes://default/shop-tls', 'kubernetes://default/admin-tls']));
  });

  it('serves a route only on the hosts its listener and its hostnames share, rules in order, to versions over mesh mTLS', () => {
    const hosts = routes(443).virtual_hosts;
    expect(hosts.map((h: Loose) => h.domains)).toEqual([['shop.example.com']]);
    expect(hosts[0].routes.map((r: Loose) => [r.match.prefix ?? r.match.path_separated_prefix, r.route.cluster])).toEqual([
      ['/v2', 'outbound|9080|v2|productpage.default.svc.cluster.local'],
      ['/', 'outbound|9080|v1|productpage.default.svc.cluster.local'],
    ]);
    const cluster = t.clusters.find((c) => c['name'] === 'outbound|9080|v2|productpage.default.svc.cluster.local') as Loose;
    expect(cluster.transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].name).toBe('default');
    expect(t.clusterLoadAssignments.map((a) => a['cluster_name'])).toContain('outbound|9080|v1|productpage.default.svc.cluster.local');
  });

  it('redirects every host of the HTTP listener to https', () => {
    const [host] = routes(80).virtual_hosts;
    expect(host.domains).toEqual(['*']);
    expect(host.routes[0].redirect).toMatchObject({ scheme_redirect: 'https', response_code: 'MOVED_PERMANENTLY' });
    expect(host.routes[0].redirect.port_redirect).toBeUndefined();
  });

  it('redirects to where its https listener is really bound when its ports are remapped (local mode: 443 at 10443)', () => {
    const local = translateForProxy(model(productpage, ingress, shopRoute, redirect), [], gatewayProxy('ingress', { OUTBOUND_PORTS: { '80': 10080, '443': 10443 } }));
    const http = local.routeConfigurations.find((r) => r['name'] === 'gateway_80') as Loose;
    expect(http.virtual_hosts[0].routes[0].redirect).toMatchObject({ scheme_redirect: 'https', port_redirect: 10443 });
  });

  it('runs the JwtPolicy, AccessPolicy and RateLimit that name the gateway, and no mesh-wide one', () => {
    const jwt = resource('JwtPolicy', 'edge', { targetRef: { kind: 'MeshGateway', name: 'ingress' }, rules: [{ issuer: 'https://issuer.example', jwks: '{"keys":[]}' }] });
    const meshWide = resource('AccessPolicy', 'mesh', { targetRef: { kind: 'Mesh' }, action: 'ALLOW', rules: [{ from: [{ namespaces: ['default'] }] }] });
    const limit = resource('RateLimit', 'edge', { targetRef: { kind: 'MeshGateway', name: 'ingress' }, local: { tokens: 10, fillInterval: '1s' } });
    const g = translateForProxy(model(productpage, ingress, shopRoute, jwt, meshWide, limit), [], gatewayProxy('ingress'));
    const filters = (g.listeners[0] as Loose).filter_chains[0].filters[0].typed_config.http_filters.map((f: Loose) => f.name);
    expect(filters).toEqual(['envoy.filters.http.jwt_authn', 'envoy.filters.http.local_ratelimit', 'envoy.filters.http.fault', 'envoy.filters.http.router']);
  });

  it('limits a named rule with its own bucket on its routes, the gateway\'s filter holding none', () => {
    const named = resource('GatewayRoute', 'shop', { parentRefs: [{ name: 'ingress', sectionName: 'shop' }], hostnames: ['shop.example.com'], rules: [{ name: 'checkout', matches: [{ path: { type: 'Prefix', value: '/checkout' } }], backends: [{ name: 'productpage' }] }, { backends: [{ name: 'productpage' }] }] });
    const limit = resource('RateLimit', 'checkout', { targetRef: { kind: 'MeshGateway', name: 'ingress' }, route: 'checkout', local: { tokens: 2, fillInterval: '1m' } });
    const g = translateForProxy(model(productpage, ingress, named, limit), [], gatewayProxy('ingress'));
    const filter = (g.listeners.find((l) => l['name'] === 'gateway_443') as Loose).filter_chains[0].filters[0].typed_config.http_filters.find((f: Loose) => f.name === 'envoy.filters.http.local_ratelimit');
    expect(filter.typed_config.token_bucket).toBeUndefined();
    const [checkout, rest] = (g.routeConfigurations.find((r) => r['name'] === 'gateway_443') as Loose).virtual_hosts[0].routes;
    expect(checkout.typed_per_filter_config['envoy.filters.http.local_ratelimit'].token_bucket.max_tokens).toBe(2);
    expect(rest.typed_per_filter_config?.['envoy.filters.http.local_ratelimit']).toBeUndefined();
    expect(g.issues).toEqual([]);
  });

  it('reports a route to an unknown service and keeps the rest of the gateway', () => {
    const bad = resource('GatewayRoute', 'bad', { parentRefs: [{ name: 'ingress', sectionName: 'admin' }], hostnames: ['admin.example.com'], rules: [{ backends: [{ name: 'nowhere' }] }] });
    const g = translateForProxy(model(productpage, ingress, shopRoute, bad), [], gatewayProxy('ingress'));
    expect(g.issues).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_SERVICE', where: 'GatewayRoute default/bad' }));
    expect((g.routeConfigurations.find((r) => r['name'] === 'gateway_443') as Loose).virtual_hosts.map((h: Loose) => h.name)).toContain('gateway_443/shop.example.com');
  });

  it('leaves out a certificate whose Secret is missing and serves the others; a port with none gets no listener', () => {
    const atHand = new MeshModel([productpage, ingress, shopRoute], { tlsSecrets: new Set(['default/shop-tls']) });
    const g = translateForProxy(atHand, [], gatewayProxy('ingress'));
    const tls = (g.listeners.find((l) => l['name'] === 'gateway_443') as Loose).filter_chains[0].transport_socket.typed_config;
    expect(tls.common_tls_context.tls_certificate_sds_secret_configs.map((s: Loose) => s.name)).toEqual(['kubernetes://default/shop-tls']);
    expect(g.issues).toEqual([expect.objectContaining({ code: 'MISSING_SECRET', where: 'MeshGateway default/ingress', field: 'spec.listeners[2].tls.certificates' })]);
    const none = translateForProxy(new MeshModel([productpage, ingress], { tlsSecrets: new Set() }), [], gatewayProxy('ingress'));
    expect(none.listeners.map((l) => l['name'])).toEqual(['gateway_80']);
    expect(none.routeConfigurations.map((r) => r['name'])).toEqual(['gateway_80']);
  });

  it('reports a proxy naming no MeshGateway and sends it no listeners', () => {
    const g = translateForProxy(model(productpage), [], gatewayProxy('ghost'));
    expect(g.listeners).toEqual([]);
    expect(g.issues).toEqual([expect.objectContaining({ code: 'UNKNOWN_GATEWAY', field: 'node.metadata.GATEWAY' })]);
  });

  it('traces a NACK of a gateway port\'s listener or route configuration to its MeshGateway, the routes attached there and edge policies', () => {
    const jwt = resource('JwtPolicy', 'edge', { targetRef: { kind: 'MeshGateway', name: 'ingress' }, rules: [{ issuer: 'https://issuer.example', jwks: '{"keys":[]}' }] });
    expect(meshResourcesOf(model(productpage, ingress, shopRoute, redirect, jwt), gatewayProxy('ingress'), 'gateway_443').sort()).toEqual([
      'GatewayRoute/default/shop',
      'JwtPolicy/default/edge',
      'MeshGateway/default/ingress',
    ]);
  });

  it('binds its listeners on its own address, a privileged port remapped', () => {
    const g = translateForProxy(model(productpage, ingress, shopRoute), [], gatewayProxy('ingress', { OUTBOUND_IP: '127.0.0.20', OUTBOUND_PORTS: { '443': 8443 } as never }));
    expect((g.listeners[0] as Loose).address.socket_address).toEqual({ address: '127.0.0.20', port_value: 8443 });
  });
});

describe('egress gateway translation', () => {
  const egress = resource('MeshGateway', 'egress', { role: 'Egress', listeners: [{ name: 'mesh', port: 15443, protocol: 'HTTP' }] });
  const api = resource('ExternalService', 'api', { hosts: ['api.example.com'], ports: [{ port: 443, protocol: 'https' }], tls: { mode: 'ORIGINATE' }, egressGateway: { name: 'egress' } });
  const web = meshService('web', { ports: [{ port: 8080, protocol: 'http' }] });
  const workloads = [instance('web', '127.0.0.4'), { name: 'egress-1', namespace: 'default', address: '127.0.0.30', labels: { 'meshform.dev/gateway': 'egress' }, ports: { '15443': 25443 } }];

  it('sends a sidecar\'s calls to the ExternalService to the gateway over mTLS, checked against the gateway\'s identity', () => {
    const t = translateForProxy(model(web, egress, api), workloads, sidecar('web', '127.0.0.4'));
    const cluster = t.clusters.find((c) => c['name'] === 'outbound|443||api.example.com') as Loose;
    expect(cluster.type).toBe('EDS');
    const tls = cluster.transport_socket.typed_config;
    expect(tls.sni).toBe('api.example.com');
    expect(tls.common_tls_context.combined_validation_context.default_validation_context.match_typed_subject_alt_names[0].matcher.exact).toBe('spiffe://cluster.local/ns/default/sa/egress');
    const assignment = t.clusterLoadAssignments.find((a) => a['cluster_name'] === 'outbound|443||api.example.com') as Loose;
    expect(assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.30', port_value: 25443 });
  });

  it('takes mesh mTLS at the gateway and originates TLS to the external host', () => {
    const t = translateForProxy(model(web, egress, api), workloads, gatewayProxy('egress'));
    const listener = t.listeners[0] as Loose;
    expect(listener.filter_chains[0].transport_socket.typed_config.require_client_certificate).toEqual({ value: true });
    const host = (t.routeConfigurations[0] as Loose).virtual_hosts[0];
    expect(host.domains).toEqual(['api.example.com']);
    expect(host.routes[0].route.cluster).toBe('outbound|443||api.example.com');
    const cluster = t.clusters.find((c) => c['name'] === 'outbound|443||api.example.com') as Loose;
    expect(cluster.type).toBe('LOGICAL_DNS');
    expect(cluster.transport_socket.typed_config.sni).toBe('api.example.com');
  });

  it('reports an ExternalService naming an ingress gateway, and its sidecars call the host directly', () => {
    const ingressOnly = resource('MeshGateway', 'egress', { listeners: [{ name: 'mesh', port: 15443 }] });
    const t = translateForProxy(model(web, ingressOnly, api), workloads, sidecar('web', '127.0.0.4'));
    expect(t.issues).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_GATEWAY', where: 'ExternalService default/api', field: 'spec.egressGateway' }));
    expect((t.clusters.find((c) => c['name'] === 'outbound|443||api.example.com') as Loose).type).toBe('LOGICAL_DNS');
  });
});

describe('hostname intersection', () => {
  it.each([
    [[], undefined, ['*']],
    [['a.example.com'], undefined, ['a.example.com']],
    [[], 'a.example.com', ['a.example.com']],
    [['a.example.com', 'b.example.com'], '*.example.com', ['a.example.com', 'b.example.com']],
    [['*.example.com'], 'a.example.com', ['a.example.com']],
    [['x.y.example.com'], '*.example.com', []],
    [['other.org'], 'a.example.com', []],
  ])('route %j on listener %s serves %j', (route, listener, hosts) => {
    expect(intersectHostnames(route, listener)).toEqual(hosts);
  });
});
