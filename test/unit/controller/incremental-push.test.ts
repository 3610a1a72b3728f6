import { describe, expect, it } from 'vitest';
import { MeshModel } from '../../../lib/model';
import { TypeUrl, unpackAny, type DiscoveryResponse } from '../../../lib/xds';
import type { MeshResource } from '../../../lib/api';
import type { ProxyIdentity, WorkloadInstance } from '../../../lib/translate';
import { createLogger } from '../../../controller/logger';
import { ProxyStream } from '../../../controller/xds/proxy-stream';
import { SnapshotBuilder } from '../../../controller/xds/snapshot-builder';
import { instance, meshService, proxyless, resource, sidecar } from '../../support/controller-fixtures';

const FQDN = (name: string) => `${name}.default.svc.cluster.local`;
const http = [{ port: 9080, protocol: 'http' }];
const route = (v2: number) => resource('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules: [{ backends: [{ version: 'v1', weight: 100 - v2 }, { version: 'v2', weight: v2 }] }] });
const versions = [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }];

/** A mesh where `frontend` calls only reviews, `backend` only ratings, and `web` (like `api`) calls everything. */
function mesh(...extra: MeshResource[]): MeshResource[] {
  return [
    meshService('reviews', { ports: http, versions }),
    meshService('ratings', { ports: http }),
    meshService('frontend', { ports: http, calls: [{ name: 'reviews' }] }),
    meshService('backend', { ports: http, calls: [{ name: 'ratings' }] }),
    meshService('web', { ports: http }),
    meshService('api', { ports: http }),
    ...extra,
  ];
}

const reviewsAt = (address: string) => [instance('reviews', address, { version: 'v1' }), instance('reviews', '127.0.0.3', { version: 'v2' }), instance('ratings', '127.0.0.4')];

/** The builder and one stream per proxy, subscribed as Envoy does (LDS/CDS wildcard, RDS/EDS by name). */
function connected(proxies: ProxyIdentity[], resources: MeshResource[], workloads: WorkloadInstance[]) {
  const builder = new SnapshotBuilder();
  const sent = new Map<string, DiscoveryResponse[]>();
  const streams = proxies.map((proxy) => {
    const responses: DiscoveryResponse[] = [];
    sent.set(proxy.workload!, responses);
    return new ProxyStream(proxy.workload!, proxy, (r) => responses.push(r), createLogger('silent'));
  });
  const generation = (r: MeshResource[], w: WorkloadInstance[]) => {
    builder.beginGeneration(new MeshModel(r), w);
    for (const s of streams) s.update(builder.build(s.proxy, undefined));
  };
  generation(resources, workloads);
  for (const s of streams) {
    const snapshot = s.currentSnapshot!;
    const names = (type: string) => [...snapshot.types.get(type)!.keys()];
    for (const type of [TypeUrl.Cluster, TypeUrl.Listener]) s.handleRequest({ type_url: type });
    for (const type of [TypeUrl.ClusterLoadAssignment, TypeUrl.RouteConfiguration]) s.handleRequest({ type_url: type, resource_names: names(type) });
  }
  for (const responses of sent.values()) responses.length = 0;
  return { builder, streams, sent, generation };
}

const pushed = (responses: DiscoveryResponse[]) => responses.map((r) => ({ type: r.type_url, resources: r.resources.length }));
const assignmentNames = (responses: DiscoveryResponse[]) => responses.flatMap((r) => r.resources.map((any) => unpackAny(any)['cluster_name']));

describe('pushes after a change', () => {
  const proxies = [sidecar('frontend', '127.0.0.10'), sidecar('backend', '127.0.0.11'), sidecar('web', '127.0.0.12')];

  it('an endpoint move pushes only EDS, only the assignments holding it, only to the proxies that call the service', () => {
    const { sent, generation } = connected(proxies, mesh(), reviewsAt('127.0.0.2'));
    generation(mesh(), reviewsAt('127.0.0.9'));
    const moved = [`outbound|9080||${FQDN('reviews')}`, `outbound|9080|v1|${FQDN('reviews')}`];
    for (const caller of ['frontend', 'web']) {
      expect(sent.get(caller)!.map((r) => r.type_url)).toEqual([TypeUrl.ClusterLoadAssignment]);
      expect(assignmentNames(sent.get(caller)!)).toEqual(moved);
    }
    expect(sent.get('backend')).toEqual([]);
  });

  it('a route weight change pushes only RDS, only to the proxies that call the service', () => {
    const { sent, generation } = connected(proxies, mesh(route(10)), reviewsAt('127.0.0.2'));
    generation(mesh(route(20)), reviewsAt('127.0.0.2'));
    expect(pushed(sent.get('frontend')!)).toEqual([{ type: TypeUrl.RouteConfiguration, resources: 1 }]);
    expect(pushed(sent.get('web')!)).toEqual([{ type: TypeUrl.RouteConfiguration, resources: 1 }]);
    expect(sent.get('backend')).toEqual([]);
  });

  it('a generation that changes nothing pushes nothing', () => {
    const { sent, generation } = connected(proxies, mesh(route(10)), reviewsAt('127.0.0.2'));
    generation(mesh(route(10)), reviewsAt('127.0.0.2'));
    expect([...sent.values()].flat()).toEqual([]);
  });

  it('two proxies with the same view share one encoded RouteConfiguration, and after a change one re-encoded one', () => {
    const both = [sidecar('web', '127.0.0.12'), sidecar('api', '127.0.0.13')];
    const { sent, generation } = connected(both, mesh(route(10)), reviewsAt('127.0.0.2'));
    generation(mesh(route(30)), reviewsAt('127.0.0.2'));
    const [web, api] = [sent.get('web')![0]!, sent.get('api')![0]!];
    expect(web.type_url).toBe(TypeUrl.RouteConfiguration);
    expect(api.resources[0]).toBe(web.resources[0]);
    expect(api.resources).toBe(web.resources);
  });

  it('reports a generation\'s translation issues without any proxy connected, and drops them once fixed', () => {
    const builder = new SnapshotBuilder();
    const plain = proxyless();
    const ghost = resource('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules: [{ backends: [{ name: 'ghost' }] }] });
    builder.beginGeneration(new MeshModel(mesh(ghost)), []);
    builder.learnIssues(plain);
    expect(builder.issues()).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_SERVICE' }));
    builder.beginGeneration(new MeshModel(mesh(route(10))), []);
    builder.learnIssues(plain);
    expect(builder.issues()).toEqual([]);
  });
});
