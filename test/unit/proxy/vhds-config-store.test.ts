import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { packAny, TypeUrl, type DeltaResource } from '../../../lib/xds';
import { ClusterManager } from '../../../proxy/cluster/cluster-manager';
import { ConfigStore } from '../../../proxy/config/config-store';
import { createHttpChainBuilder } from '../../../proxy/filters/registry';
import { ProxyMetrics } from '../../../proxy/telemetry/metrics';
import { stubRequest } from './request-stubs';
import { httpListener, prefix, route, toCluster, vhdsRouteConfig, vhdsSource, virtualHost } from '../../support/xds-resources';

function store(): ConfigStore {
  const metrics = new ProxyMetrics();
  return new ConfigStore(createHttpChainBuilder({ logger: pino({ level: 'silent' }), metrics }), new ClusterManager(metrics));
}

const catchAll = virtualHost('allow_any', [route(prefix('/'), toCluster('PassthroughCluster'))], ['*']);
const service = (name: string, cluster = name) =>
  virtualHost(`9080/${name}.default.svc.cluster.local:9080`, [route(prefix('/'), toCluster(cluster))], [name, `${name}:9080`]);
const delta = (...hosts: Record<string, unknown>[]): DeltaResource[] =>
  hosts.map((host, index) => ({ name: String(host['name']), version: `v${index + 1}`, resource: packAny(TypeUrl.VirtualHost, host) }));

/** A store holding listener 9080 and route configuration 9080 (catch-all inline, vhds). */
function withVhdsRoute(source: object = vhdsSource) {
  const s = store();
  s.apply(TypeUrl.Listener, '1', [packAny(TypeUrl.Listener, httpListener('outbound_9080', 9080, '9080'))]);
  const reason = s.apply(TypeUrl.RouteConfiguration, '1', [packAny(TypeUrl.RouteConfiguration, vhdsRouteConfig('9080', [catchAll], source as never))]);
  return { s, reason };
}

const clusterFor = (s: ConfigStore, authority: string) => {
  const action = s.current.routes.get('9080')?.match(authority, stubRequest('/'))?.route.action;
  return action?.kind === 'cluster' ? action.clusters[0]!.name : undefined;
};

describe('config store with VHDS', () => {
  it('routes by the virtual hosts VHDS delivers, exact domains and wildcards before the inline catch-all', () => {
    const { s } = withVhdsRoute();
    const wildcard = virtualHost('9080/*.example.com:9080', [route(prefix('/'), toCluster('example'))], ['*.example.com']);
    expect(s.applyVirtualHosts('1', delta(service('reviews'), service('ratings'), wildcard), [])).toBeUndefined();
    expect(clusterFor(s, 'reviews:9080')).toBe('reviews');
    expect(clusterFor(s, 'ratings')).toBe('ratings');
    expect(clusterFor(s, 'api.example.com')).toBe('example');
    expect(clusterFor(s, 'elsewhere.org')).toBe('PassthroughCluster');
  });

  it('updates one virtual host without recompiling the others', () => {
    const { s } = withVhdsRoute();
    s.applyVirtualHosts('1', delta(service('reviews'), service('ratings')), []);
    const before = s.current.routes.get('9080')!.virtualHosts;
    expect(s.applyVirtualHosts('2', delta(service('reviews', 'reviews-v2')), [])).toBeUndefined();
    const after = s.current.routes.get('9080')!.virtualHosts;
    const byName = (hosts: typeof before, name: string) => hosts.find(({ host }) => host.name === name);
    expect(byName(after, '9080/ratings.default.svc.cluster.local:9080')).toBe(byName(before, '9080/ratings.default.svc.cluster.local:9080'));
    expect(byName(after, '9080/reviews.default.svc.cluster.local:9080')).not.toBe(byName(before, '9080/reviews.default.svc.cluster.local:9080'));
    expect(clusterFor(s, 'reviews')).toBe('reviews-v2');
  });

  it('falls back to the inline catch-all once a virtual host is removed', () => {
    const { s } = withVhdsRoute();
    s.applyVirtualHosts('1', delta(service('reviews')), []);
    expect(s.applyVirtualHosts('2', [], ['9080/reviews.default.svc.cluster.local:9080'])).toBeUndefined();
    expect(clusterFor(s, 'reviews')).toBe('PassthroughCluster');
    expect(s.virtualHostVersions()).toEqual({});
  });

  it('rejects an update with a bad virtual host as a whole, naming it, and keeps the previous snapshot', () => {
    const { s } = withVhdsRoute();
    s.applyVirtualHosts('1', delta(service('reviews')), []);
    const before = s.current;
    const bad = virtualHost('9080/ratings.default.svc.cluster.local:9080', [route({ safe_regex: { regex: '(' } }, toCluster('ratings'))], ['ratings']);
    const reason = s.applyVirtualHosts('2', delta(service('reviews', 'reviews-v2'), bad), ['9080/reviews.default.svc.cluster.local:9080']);
    expect(reason).toMatch(/virtual host 9080\/ratings\.default\.svc\.cluster\.local:9080.*invalid regex/);
    expect(s.current).toBe(before);
    expect(clusterFor(s, 'reviews')).toBe('reviews');
  });

  it('rejects a virtual host whose domain another one holds, naming both', () => {
    const { s } = withVhdsRoute();
    s.applyVirtualHosts('1', delta(service('reviews')), []);
    const clash = virtualHost('9080/other:9080', [route(prefix('/'), toCluster('other'))], ['reviews']);
    expect(s.applyVirtualHosts('2', delta(clash), [])).toMatch(/route 9080: domain reviews is in two virtual hosts \(9080\/reviews\.default\.svc\.cluster\.local:9080 and 9080\/other:9080\)/);
    expect(clusterFor(s, 'reviews')).toBe('reviews');
  });

  it('rejects a virtual host whose resource name is not its own or names no route configuration', () => {
    const { s } = withVhdsRoute();
    const renamed: DeltaResource = { name: '9080/a:9080', version: '1', resource: packAny(TypeUrl.VirtualHost, service('b')) };
    expect(s.applyVirtualHosts('1', [renamed], [])).toMatch(/resource 9080\/a:9080 holds envoy\.config\.route\.v3\.VirtualHost 9080\/b\.default/);
    const unscoped = virtualHost('reviews:9080', [route(prefix('/'), toCluster('reviews'))], ['reviews']);
    expect(s.applyVirtualHosts('1', delta(unscoped), [])).toMatch(/virtual host reviews:9080: a VHDS virtual host is named <route configuration>\/<host>/);
  });

  it('rejects a vhds source other than delta gRPC to the controller, naming the field and what is supported', () => {
    const { reason: sotw } = withVhdsRoute({ config_source: { api_config_source: { ...vhdsSource.config_source.api_config_source, api_type: 'GRPC' } } });
    expect(sotw).toMatch(/route 9080: unsupported vhds\.config_source\.api_config_source\.api_type GRPC; supported: .*DELTA_GRPC.*xds-grpc/);
    const elsewhere = { ...vhdsSource.config_source.api_config_source, grpc_services: [{ envoy_grpc: { cluster_name: 'other-xds' } }] };
    const { reason: other } = withVhdsRoute({ config_source: { api_config_source: elsewhere } });
    expect(other).toMatch(/envoy_grpc\.cluster_name other-xds/);
    const { reason: ads } = withVhdsRoute({ config_source: { ads: {} } });
    expect(ads).toMatch(/config_source_specifier ads/);
  });

  it('holds virtual hosts that arrive before their route configuration and routes by them once it is accepted', () => {
    const s = store();
    s.apply(TypeUrl.Listener, '1', [packAny(TypeUrl.Listener, httpListener('outbound_9080', 9080, '9080'))]);
    expect(s.applyVirtualHosts('1', delta(service('reviews')), [])).toBeUndefined();
    s.apply(TypeUrl.RouteConfiguration, '1', [packAny(TypeUrl.RouteConfiguration, vhdsRouteConfig('9080', [catchAll]))]);
    expect(clusterFor(s, 'reviews')).toBe('reviews');
  });

  it('keeps the VHDS virtual hosts when the route configuration itself changes', () => {
    const { s } = withVhdsRoute();
    s.applyVirtualHosts('1', delta(service('reviews')), []);
    const blackHole = virtualHost('block_all', [route(prefix('/'), { direct_response: { status: 502 } })], ['*']);
    expect(s.apply(TypeUrl.RouteConfiguration, '2', [packAny(TypeUrl.RouteConfiguration, vhdsRouteConfig('9080', [blackHole]))])).toBeUndefined();
    expect(clusterFor(s, 'reviews')).toBe('reviews');
    expect(s.current.routes.get('9080')!.match('elsewhere', stubRequest('/'))?.route.action.kind).toBe('direct');
  });

  it('subscribes to the vhds route configurations in use and forgets the virtual hosts of one no longer used', () => {
    const { s } = withVhdsRoute();
    s.applyVirtualHosts('1', delta(service('reviews')), []);
    expect(s.wanted().vhds).toEqual(['9080']);
    expect(s.virtualHostVersions()).toEqual({ '9080/reviews.default.svc.cluster.local:9080': 'v1' });
    s.apply(TypeUrl.Listener, '2', []);
    const wanted = s.wanted();
    expect(wanted.vhds).toEqual([]);
    s.retain(wanted);
    expect(s.virtualHostVersions()).toEqual({});
  });

  it('reports the VirtualHost version and dumps the virtual hosts held', () => {
    const { s } = withVhdsRoute();
    s.applyVirtualHosts('7', delta(service('reviews')), []);
    expect(s.current.versions[TypeUrl.VirtualHost]).toBe('7');
    expect(s.dump()['virtualHosts']!.map((host) => host['name'])).toEqual(['9080/reviews.default.svc.cluster.local:9080']);
  });
});
