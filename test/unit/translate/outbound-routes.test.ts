import { describe, expect, it } from 'vitest';
import { translateForProxy, type EnvoyMessage } from '../../../lib/translate';
import { TypeUrl } from '../../../lib/xds';
import { instance, meshService, model, proxyless, resource, sidecar } from '../../support/controller-fixtures';

const VERSIONS = [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }];
const FQDN = 'reviews.default.svc.cluster.local';
const reviews = meshService('reviews', { versions: VERSIONS });
const route = (rules: object[]) => resource('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function routesOf(rules: object[], proxy = proxyless(), extra: ReturnType<typeof resource>[] = []): { routes: Loose[]; issues: Loose[] } {
  const t = translateForProxy(model(reviews, route(rules), ...extra), [], proxy);
  // Inline for proxyless clients, a VHDS resource for sidecars.
  const hosts = [...t.virtualHosts, ...t.routeConfigurations.flatMap((r) => r['virtual_hosts'] as EnvoyMessage[])];
  const host = hosts.find((v) => v['name'] === `9080/${FQDN}:9080`) as Loose;
  return { routes: host.routes, issues: [...t.issues] };
}

describe('outbound listeners', () => {
  it('gives a proxyless client an API listener per HTTP port, named by its xds:/// target, Router last', () => {
    const t = translateForProxy(model(reviews, meshService('db', { ports: [{ port: 5432, protocol: 'tcp' }] })), [], proxyless());
    expect(t.listeners.map((l) => l['name'])).toEqual([`${FQDN}:9080`]);
    const hcm = (t.listeners[0] as Loose).api_listener.api_listener;
    expect(hcm['@type']).toBe(TypeUrl.HttpConnectionManager);
    expect(hcm.rds).toEqual({ route_config_name: '9080', config_source: { ads: {}, resource_api_version: 'V3' } });
    expect(hcm.http_filters.map((f: EnvoyMessage) => f['name'])).toEqual(['envoy.filters.http.fault', 'envoy.filters.http.router']);
  });

  it('gives a sidecar one listener per port, bound on OUTBOUND_IP, HTTP by RDS and TCP by TcpProxy', () => {
    const t = translateForProxy(model(reviews, meshService('db', { ports: [{ port: 5432, protocol: 'tcp' }] }), meshService('web')), [], sidecar('web', '127.0.0.9', { OUTBOUND_IP: '127.0.0.9' }));
    const outbound = t.listeners.filter((l) => String(l['name']).startsWith('0.0.0.0_')) as Loose[];
    expect(outbound.map((l) => l.name)).toEqual(['0.0.0.0_5432', '0.0.0.0_9080']);
    expect(outbound[1].address.socket_address).toEqual({ address: '127.0.0.9', port_value: 9080 });
    expect(outbound[0].filter_chains[0].filters[0].typed_config).toMatchObject({ '@type': TypeUrl.TcpProxy, cluster: 'outbound|5432||db.default.svc.cluster.local' });
    expect(outbound[1].filter_chains[0].filters[0].typed_config.rds.route_config_name).toBe('9080');
  });

  it('names every form of the service in the virtual host domains, each also with the port', () => {
    const t = translateForProxy(model(reviews), [], proxyless());
    const domains = (t.routeConfigurations[0] as Loose).virtual_hosts[0].domains;
    expect(domains).toEqual(expect.arrayContaining(['reviews', 'reviews:9080', 'reviews.default', `${FQDN}`, `${FQDN}:9080`]));
  });

  it('routes a service without a TrafficRoute to its whole cluster without Envoy\'s 15 s default timeout', () => {
    const t = translateForProxy(model(reviews), [], proxyless());
    expect((t.routeConfigurations[0] as Loose).virtual_hosts[0].routes).toEqual([
      { name: 'default', match: { prefix: '/' }, route: { cluster: `outbound|9080||${FQDN}`, timeout: { seconds: '0', nanos: 0 } } },
    ]);
  });

  it('leaves a sidecar\'s service hosts to VHDS: its route configuration holds the catch-all and names the controller as a delta source', () => {
    const t = translateForProxy(model(reviews, meshService('ratings')), [], sidecar('reviews', '127.0.0.2'));
    const config = t.routeConfigurations[0] as Loose;
    expect(config.virtual_hosts.map((v: EnvoyMessage) => v['domains'])).toEqual([['*']]);
    expect(config.vhds.config_source.api_config_source).toEqual({ api_type: 'DELTA_GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] });
    expect(t.virtualHosts.map((v) => v['name']).sort()).toEqual([`9080/ratings.default.svc.cluster.local:9080`, `9080/${FQDN}:9080`]);
    expect(t.virtualHosts.find((v) => v['name'] === `9080/${FQDN}:9080`)!['domains']).toEqual(expect.arrayContaining(['reviews', 'reviews:9080', `${FQDN}:9080`]));
  });

  it('keeps every host in a proxyless client\'s route configuration, since gRPC clients have no VHDS', () => {
    const t = translateForProxy(model(reviews, meshService('ratings')), [], proxyless());
    expect((t.routeConfigurations[0] as Loose).vhds).toBeUndefined();
    expect((t.routeConfigurations[0] as Loose).virtual_hosts).toHaveLength(2);
    expect(t.virtualHosts).toEqual([]);
  });

  it('gives a sidecar a catch-all host: passthrough under ALLOW_ANY, 502 under REGISTRY_ONLY', () => {
    const allow = translateForProxy(model(reviews), [], sidecar('reviews', '127.0.0.2'));
    expect((allow.routeConfigurations[0] as Loose).virtual_hosts.at(-1)).toMatchObject({ domains: ['*'], routes: [{ route: { cluster: 'PassthroughCluster' } }] });
    expect(allow.clusters.some((c) => c['name'] === 'PassthroughCluster')).toBe(true);
    const block = translateForProxy(model(resource('Mesh', 'mesh', { outboundPolicy: 'REGISTRY_ONLY' }), reviews), [], sidecar('reviews', '127.0.0.2'));
    expect((block.routeConfigurations[0] as Loose).virtual_hosts.at(-1).routes[0].direct_response.status).toBe(502);
  });

  it('gives a sidecar a BlackHole listener on 15001 of its outbound address, to a cluster with no endpoints, under REGISTRY_ONLY only', () => {
    const allow = translateForProxy(model(reviews), [], sidecar('reviews', '127.0.0.2'));
    expect(allow.listeners.some((l) => l['name'] === 'BlackHole')).toBe(false);
    const block = translateForProxy(model(resource('Mesh', 'mesh', { outboundPolicy: 'REGISTRY_ONLY' }), reviews), [], sidecar('reviews', '127.0.0.2'));
    const listener = block.listeners.find((l) => l['name'] === 'BlackHole') as Loose;
    expect(listener.address.socket_address.port_value).toBe(15001);
    expect(listener.filter_chains[0].filters[0].typed_config.cluster).toBe('BlackHoleCluster');
    expect(block.clusters.find((c) => c['name'] === 'BlackHoleCluster')).toMatchObject({ type: 'STATIC', load_assignment: { endpoints: [] } });
  });
});

describe('route rules', () => {
  it('splits by weight with weighted_clusters naming version clusters', () => {
    const { routes } = routesOf([{ backends: [{ version: 'v1', weight: 80 }, { version: 'v2', weight: 20 }] }]);
    expect(routes[0].route.weighted_clusters.clusters).toEqual([
      { name: `outbound|9080|v1|${FQDN}`, weight: { value: 80 } },
      { name: `outbound|9080|v2|${FQDN}`, weight: { value: 20 } },
    ]);
  });

  it('keeps rule order and turns each match of a rule into its own route', () => {
    const { routes } = routesOf([
      { name: 'first', matches: [{ path: { type: 'Exact', value: '/a' } }, { path: { type: 'Prefix', value: '/b' } }], backends: [{ version: 'v2' }] },
      { name: 'rest', backends: [{ version: 'v1' }] },
    ]);
    expect(routes.map((r: Loose) => [r.name, r.match])).toEqual([
      ['first', { path: '/a' }],
      ['first', { prefix: '/b' }],
      ['rest', { prefix: '/' }],
    ]);
  });

  it('matches method, headers (inverted too), cookies, query parameters and case-insensitive regex paths', () => {
    const { routes } = routesOf([
      {
        matches: [
          {
            path: { type: 'RegularExpression', value: '/api/v[0-9]+', ignoreCase: true },
            method: 'POST',
            headers: [{ name: 'x-user', type: 'Prefix', value: 'ja' }, { name: 'x-debug', type: 'Present', invert: true }],
            cookies: [{ name: 'group', value: 'beta' }],
            queryParams: [{ name: 'q', type: 'RegularExpression', value: 'a.*' }],
          },
        ],
        backends: [{}],
      },
    ]);
    const match = routes[0].match;
    expect(match.safe_regex).toEqual({ regex: '/api/v[0-9]+' });
    expect(match.case_sensitive).toEqual({ value: false });
    expect(match.headers).toEqual([
      { name: ':method', string_match: { exact: 'POST' } },
      { name: 'x-user', string_match: { prefix: 'ja' } },
      { name: 'x-debug', present_match: true, invert_match: true },
      { name: 'cookie', string_match: { safe_regex: { regex: '(?:.*;\\s*)?group=beta(?:;.*)?' } } },
    ]);
    expect(new RegExp(`^${match.headers[3].string_match.safe_regex.regex}$`).test('a=1; group=beta; b=2')).toBe(true);
    expect(match.query_parameters).toEqual([{ name: 'q', string_match: { safe_regex: { regex: 'a.*' } } }]);
  });

  it('translates timeout, retries, backoff and status codes to Envoy\'s fields', () => {
    const { routes } = routesOf([{ backends: [{}], timeout: '5s', retry: { attempts: 3, perTryTimeout: '1s', retryOn: ['unavailable', '503'], backoff: { baseInterval: '50ms' } } }]);
    const action = routes[0].route;
    expect(action.timeout).toEqual({ seconds: '5', nanos: 0 });
    expect(action.max_stream_duration).toEqual({ max_stream_duration: { seconds: '5', nanos: 0 } });
    expect(action.retry_policy).toEqual({
      retry_on: 'unavailable,retriable-status-codes',
      retriable_status_codes: [503],
      num_retries: { value: 3 },
      per_try_timeout: { seconds: '1', nanos: 0 },
      retry_back_off: { base_interval: { seconds: '0', nanos: 50_000_000 }, max_interval: { seconds: '0', nanos: 500_000_000 } },
    });
  });

  it('puts faults in the route\'s fault filter config with percentages in millionths', () => {
    const { routes } = routesOf([{ backends: [{}], fault: { delay: { fixedDelay: '100ms', percent: 10 }, abort: { grpcStatus: 'UNAVAILABLE', percent: 25.5 } } }]);
    expect(routes[0].typed_per_filter_config['envoy.filters.http.fault']).toEqual({
      '@type': TypeUrl.HttpFault,
      delay: { fixed_delay: { seconds: '0', nanos: 100_000_000 }, percentage: { numerator: 100_000, denominator: 'MILLION' } },
      abort: { grpc_status: 14, percentage: { numerator: 255_000, denominator: 'MILLION' } },
    });
  });

  it('translates mirror, rewrites and header changes for sidecars', () => {
    const { routes } = routesOf(
      [
        {
          matches: [{ path: { type: 'Prefix', value: '/old' } }],
          backends: [{ version: 'v1' }],
          mirror: { backend: { version: 'v2' }, percent: 5 },
          rewrite: { path: { type: 'ReplacePrefixMatch', value: '/new' }, authority: 'reviews.internal' },
          requestHeaders: { set: { 'x-a': '1' }, add: { 'x-b': '2' }, remove: ['x-c'] },
          responseHeaders: { remove: ['server'] },
        },
      ],
      sidecar('web', '127.0.0.5'),
      [meshService('web')],
    );
    expect(routes[0].route).toMatchObject({
      request_mirror_policies: [{ cluster: `outbound|9080|v2|${FQDN}`, runtime_fraction: { default_value: { numerator: 50_000, denominator: 'MILLION' } } }],
      prefix_rewrite: '/new',
      host_rewrite_literal: 'reviews.internal',
    });
    expect(routes[0].request_headers_to_add).toEqual([
      { header: { key: 'x-a', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      { header: { key: 'x-b', value: '2' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' },
    ]);
    expect(routes[0].request_headers_to_remove).toEqual(['x-c']);
    expect(routes[0].response_headers_to_remove).toEqual(['server']);
  });

  it('translates redirects and direct responses for sidecars', () => {
    const { routes } = routesOf(
      [
        { matches: [{ path: { type: 'Exact', value: '/moved' } }], redirect: { scheme: 'https', host: 'new.example.com', statusCode: 301 } },
        { directResponse: { status: 418, body: 'teapot' } },
      ],
      sidecar('web', '127.0.0.5'),
      [meshService('web')],
    );
    expect(routes[0].redirect).toEqual({ scheme_redirect: 'https', host_redirect: 'new.example.com', response_code: 'MOVED_PERMANENTLY' });
    expect(routes[1].direct_response).toEqual({ status: 418, body: { inline_string: 'teapot' } });
  });

  it('leaves redirects out for proxyless clients and reports it, since they would reject the whole table', () => {
    const { routes, issues } = routesOf([{ matches: [{ path: { type: 'Exact', value: '/moved' } }], redirect: { host: 'x.example.com' } }, { backends: [{}] }]);
    expect(routes).toHaveLength(1);
    expect(issues).toContainEqual(expect.objectContaining({ code: 'UNSUPPORTED_BY_PROXYLESS', severity: 'rejected', field: 'spec.rules[0]' }));
  });

  it('reports what proxyless clients ignore instead of dropping it silently', () => {
    const { issues } = routesOf([{ backends: [{}], mirror: { backend: { version: 'v2' } }, requestHeaders: { remove: ['x'] } }]);
    expect(issues.filter((i: Loose) => i.code === 'UNSUPPORTED_BY_PROXYLESS').map((i: Loose) => i.field)).toEqual(['spec.rules[0].mirror', 'spec.rules[0].requestHeaders']);
  });

  it('adds the destination\'s consistent-hash key as the route hash_policy', () => {
    const policy = resource('TrafficPolicy', 'reviews', { service: { name: 'reviews' }, loadBalancer: { type: 'ConsistentHash', consistentHash: { header: 'x-user' } } });
    const { routes } = routesOf([{ backends: [{}] }], proxyless(), [policy]);
    expect(routes[0].route.hash_policy).toEqual([{ header: { header_name: 'x-user' } }]);
  });

  it('hashes sidecars on cookies and source IPs, which proxyless clients cannot', () => {
    const cookie = resource('TrafficPolicy', 'reviews', { service: { name: 'reviews' }, loadBalancer: { type: 'ConsistentHash', consistentHash: { cookie: { name: 'sid', ttl: '1h' } } } });
    expect(routesOf([{ backends: [{}] }], sidecar('web', '127.0.0.5'), [cookie, meshService('web')]).routes[0].route.hash_policy).toEqual([{ cookie: { name: 'sid', ttl: { seconds: '3600', nanos: 0 } } }]);
    const { routes, issues } = routesOf([{ backends: [{}] }], proxyless(), [cookie]);
    expect(routes[0].route.hash_policy).toBeUndefined();
    expect(issues).toContainEqual(expect.objectContaining({ code: 'UNSUPPORTED_BY_PROXYLESS', field: 'spec.loadBalancer.consistentHash' }));
  });

  it('serves only instances that are known: endpoints for workloads in the registry', () => {
    const t = translateForProxy(model(reviews), [instance('reviews', '127.0.0.2', { version: 'v1' })], proxyless());
    expect(t.clusterLoadAssignments.map((c) => c['cluster_name'])).toEqual([`outbound|9080||${FQDN}`, `outbound|9080|v1|${FQDN}`, `outbound|9080|v2|${FQDN}`]);
  });
});
