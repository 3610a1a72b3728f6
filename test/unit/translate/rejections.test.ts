import { describe, expect, it } from 'vitest';
import { translateForProxy, type TranslationIssue } from '../../../lib/translate';
import { meshService, model, proxyless, resource, sidecar } from '../../support/controller-fixtures';

const issuesOf = (resources: ReturnType<typeof resource>[], proxy = proxyless()): TranslationIssue[] => [...translateForProxy(model(...resources), [], proxy).issues];
const reviews = meshService('reviews', { versions: [{ name: 'v1', labels: { version: 'v1' } }] });
const route = (rules: object[]) => resource('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules });

/** Resources that pass schema validation but cannot be translated as written: each is refused with a code and a reason. */
describe('what the translation refuses, and why', () => {
  it('drops a backend naming a missing service, version or port and keeps the rest of the rule', () => {
    const t = translateForProxy(model(reviews, route([{ backends: [{ version: 'v1', weight: 50 }, { name: 'ghost', weight: 25 }, { version: 'v9', weight: 25 }] }])), [], proxyless());
    expect(t.issues.map((i) => [i.code, i.field])).toEqual([
      ['UNKNOWN_SERVICE', 'spec.rules[0].backends[1]'],
      ['UNKNOWN_VERSION', 'spec.rules[0].backends[2]'],
    ]);
    const routes = (t.routeConfigurations[0] as { virtual_hosts: { routes: { route: { cluster: string } }[] }[] }).virtual_hosts[0]!.routes;
    expect(routes[0]!.route.cluster).toBe('outbound|9080|v1|reviews.default.svc.cluster.local');
    expect(issuesOf([reviews, route([{ backends: [{ port: 1234 }] }])])).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_PORT' }));
  });

  it('leaves out a rule none of whose backends exists', () => {
    const t = translateForProxy(model(reviews, route([{ backends: [{ name: 'ghost' }] }, { backends: [{}] }])), [], proxyless());
    expect((t.routeConfigurations[0] as { virtual_hosts: { routes: unknown[] }[] }).virtual_hosts[0]!.routes).toHaveLength(1);
  });

  it('refuses a second TrafficRoute for the same traffic; the first by namespace/name wins', () => {
    const second = resource('TrafficRoute', 'reviews-b', { service: { name: 'reviews' }, rules: [{ backends: [{}] }] });
    expect(issuesOf([reviews, route([{ backends: [{}] }]), second])).toContainEqual(expect.objectContaining({ code: 'CONFLICT', where: 'TrafficRoute default/reviews-b' }));
  });

  it('refuses a second TrafficPolicy for the same destination', () => {
    const a = resource('TrafficPolicy', 'a', { service: { name: 'reviews' }, loadBalancer: { type: 'Random' } });
    const b = resource('TrafficPolicy', 'b', { service: { name: 'reviews' }, loadBalancer: { type: 'RoundRobin' } });
    expect(issuesOf([reviews, meshService('web'), a, b], sidecar('web', '127.0.0.5'))).toContainEqual(expect.objectContaining({ code: 'CONFLICT', where: 'TrafficPolicy default/b' }));
  });

  it('refuses a TCP service on a port an HTTP service already takes', () => {
    const db = meshService('db', { ports: [{ port: 9080, protocol: 'tcp' }] });
    expect(issuesOf([reviews, db], sidecar('reviews', '127.0.0.2'))).toContainEqual(expect.objectContaining({ code: 'PORT_CONFLICT', where: 'MeshService default/db' }));
  });

  it('refuses HTTP route features on a TCP port, keeping the weighted split', () => {
    const db = meshService('db', { ports: [{ port: 5432, protocol: 'tcp' }], versions: [{ name: 'v1', labels: { v: '1' } }, { name: 'v2', labels: { v: '2' } }] });
    const split = resource('TrafficRoute', 'db', { service: { name: 'db' }, rules: [{ backends: [{ version: 'v1', weight: 90 }, { version: 'v2', weight: 10 }], timeout: '1s' }] });
    const t = translateForProxy(model(db, meshService('web'), split), [], sidecar('web', '127.0.0.5'));
    expect(t.issues).toContainEqual(expect.objectContaining({ code: 'HTTP_FEATURE_ON_TCP', field: 'spec.rules[0].timeout' }));
    const tcp = (t.listeners.find((l) => l['name'] === '0.0.0.0_5432') as { filter_chains: { filters: { typed_config: { weighted_clusters: { clusters: unknown[] } } }[] }[] }).filter_chains[0]!.filters[0]!.typed_config;
    expect(tcp.weighted_clusters.clusters).toHaveLength(2);
  });

  it('refuses authorization, JWT and rate limits on a TCP port of the workload', () => {
    const db = meshService('db', { ports: [{ port: 5432, protocol: 'tcp' }] });
    const deny = resource('AccessPolicy', 'deny', { targetRef: { kind: 'MeshService', name: 'db' }, action: 'DENY', rules: [{}] });
    expect(issuesOf([db, deny], sidecar('db', '127.0.0.7'))).toContainEqual(expect.objectContaining({ code: 'HTTP_FEATURE_ON_TCP', where: 'MeshService default/db' }));
  });

  it('refuses a prefix rewrite on a rule that does not match by prefix', () => {
    const issues = issuesOf([reviews, route([{ matches: [{ path: { type: 'Exact', value: '/a' } }], backends: [{}], rewrite: { path: { type: 'ReplacePrefixMatch', value: '/b' } } }])], sidecar('reviews', '127.0.0.2'));
    expect(issues).toContainEqual(expect.objectContaining({ code: 'APPROXIMATED', severity: 'rejected', field: 'spec.rules[0].rewrite.path' }));
  });

  it('refuses a rate limit scoped to one route rule', () => {
    const rl = resource('RateLimit', 'rl', { targetRef: { kind: 'MeshService', name: 'reviews' }, route: 'canary', local: { tokens: 5, fillInterval: '1s' } });
    expect(issuesOf([reviews, rl], sidecar('reviews', '127.0.0.2'))).toContainEqual(expect.objectContaining({ code: 'APPROXIMATED', severity: 'rejected', where: 'RateLimit default/rl', field: 'spec.route' }));
  });

  it('refuses a wildcard external host under DNS resolution', () => {
    const wild = resource('ExternalService', 'wild', { hosts: ['*.example.com'], ports: [{ port: 443, protocol: 'https' }] });
    const t = translateForProxy(model(wild), [], proxyless());
    expect(t.clusters).toEqual([]);
    expect(t.issues).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_SERVICE', field: 'spec.hosts' }));
  });

  it('reports a call to a service that does not exist', () => {
    const web = meshService('web', { calls: [{ name: 'reviews' }, { name: 'ghost' }] });
    expect(issuesOf([reviews, web], sidecar('web', '127.0.0.5'))).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_SERVICE', where: 'MeshService default/web', field: 'spec.calls[1]' }));
  });

  it('gives outbound config only for the services a workload calls', () => {
    const web = meshService('web', { calls: [{ name: 'reviews' }] });
    const t = translateForProxy(model(reviews, meshService('ratings', { ports: [{ port: 9090, protocol: 'http' }] }), web), [], sidecar('web', '127.0.0.5'));
    expect(t.clusters.map((c) => c['name'])).not.toContain('outbound|9090||ratings.default.svc.cluster.local');
    expect(t.clusters.map((c) => c['name'])).toContain('outbound|9080||reviews.default.svc.cluster.local');
  });

  it('reports a sidecar whose workload is no MeshService and gives it no inbound listener', () => {
    const t = translateForProxy(model(reviews), [], sidecar('ghost', '127.0.0.8'));
    expect(t.issues).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_SERVICE', field: 'node.metadata.WORKLOAD' }));
    expect(t.listeners.some((l) => String(l['name']).startsWith('inbound_'))).toBe(false);
  });
});
