import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { packAny, TypeUrl } from '../../../lib/xds';
import { ClusterManager } from '../../../proxy/cluster/cluster-manager';
import { ConfigStore } from '../../../proxy/config/config-store';
import { createHttpChainBuilder } from '../../../proxy/filters/registry';
import { ProxyMetrics } from '../../../proxy/telemetry/metrics';
import { cluster, endpoints, httpFilter, httpListener, prefix, route, routeConfig, toCluster, virtualHost } from '../../support/xds-resources';

function store(): ConfigStore {
  const metrics = new ProxyMetrics();
  return new ConfigStore(createHttpChainBuilder({ logger: pino({ level: 'silent' }), metrics }), new ClusterManager(metrics));
}

const pack = (typeUrl: string, resources: object[]) => resources.map((resource) => packAny(typeUrl, resource));

describe('config store', () => {
  it('publishes a new snapshot for each accepted update and derives what to subscribe to', () => {
    const s = store();
    expect(s.apply(TypeUrl.Listener, '1', pack(TypeUrl.Listener, [httpListener('l', 8080, '8080')]))).toBeUndefined();
    expect(s.apply(TypeUrl.Cluster, '1', pack(TypeUrl.Cluster, [cluster('outbound|8080||a')]))).toBeUndefined();
    expect(s.current.generation).toBe(2);
    expect(s.current.versions).toEqual({ [TypeUrl.Listener]: '1', [TypeUrl.Cluster]: '1' });
    expect(s.wanted()).toEqual({ routes: ['8080'], endpoints: ['outbound|8080||a'], secrets: [], vhds: [] });
  });

  it('rejects an update with the reasons of every bad resource and keeps the previous snapshot', () => {
    const s = store();
    s.apply(TypeUrl.RouteConfiguration, '1', pack(TypeUrl.RouteConfiguration, [routeConfig('r', [virtualHost('v', [route(prefix('/'), toCluster('a'))])])]));
    const before = s.current;
    const reason = s.apply(
      TypeUrl.RouteConfiguration,
      '2',
      pack(TypeUrl.RouteConfiguration, [
        routeConfig('r', [virtualHost('v', [route(prefix('/'), toCluster('a', { retry_policy: { retry_on: 'whenever' } }))])]),
        routeConfig('r2', [virtualHost('v', [route({ safe_regex: { regex: '[' } }, toCluster('a'))])]),
      ]),
    );
    expect(reason).toMatch(/unknown retry_on word "whenever"/);
    expect(reason).toMatch(/invalid regex/);
    expect(s.current).toBe(before);
  });

  it('rejects an unknown HTTP filter and a router that is not last', () => {
    const s = store();
    const unknown = httpListener('l', 1, 'r', [httpFilter('acme.filter', 'type.googleapis.com/google.protobuf.Empty')]);
    expect(s.apply(TypeUrl.Listener, '1', pack(TypeUrl.Listener, [unknown]))).toMatch(/unsupported HTTP filter acme.filter/);
    const optional = httpListener('l', 1, 'r', [{ ...httpFilter('acme.filter', 'type.googleapis.com/google.protobuf.Empty'), is_optional: true }]);
    expect(s.apply(TypeUrl.Listener, '2', pack(TypeUrl.Listener, [optional]))).toBeUndefined();
  });

  it('keeps the compiled form of unchanged resources, so their state survives a push', () => {
    const s = store();
    s.apply(TypeUrl.Cluster, '1', pack(TypeUrl.Cluster, [cluster('a'), cluster('b')]));
    s.apply(TypeUrl.ClusterLoadAssignment, '1', pack(TypeUrl.ClusterLoadAssignment, [endpoints('a', ['10.0.0.1:80']), endpoints('b', ['10.0.0.2:80'])]));
    const a = s.current.clusters.get('a');
    const b = s.current.clusters.get('b');
    s.apply(TypeUrl.ClusterLoadAssignment, '2', pack(TypeUrl.ClusterLoadAssignment, [endpoints('a', ['10.0.0.1:80']), endpoints('b', ['10.0.0.3:80'])]));
    expect(s.current.clusters.get('a')).toBe(a);
    expect(s.current.clusters.get('b')).not.toBe(b);
    expect(s.current.clusters.get('b')!.state).toBe(b!.state);
    expect(s.current.clusters.get('b')!.members.map((m) => m.address)).toEqual(['10.0.0.3:80']);
  });

  it('forgets named resources that are no longer subscribed to', () => {
    const s = store();
    s.apply(TypeUrl.RouteConfiguration, '1', pack(TypeUrl.RouteConfiguration, [routeConfig('old', []), routeConfig('new', [])]));
    s.retain({ routes: ['new'], endpoints: [], secrets: [], vhds: [] });
    s.apply(TypeUrl.RouteConfiguration, '2', pack(TypeUrl.RouteConfiguration, [routeConfig('new', [])]));
    expect([...s.current.routes.keys()]).toEqual(['new']);
  });
});
