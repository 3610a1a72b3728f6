import { describe, expect, it } from 'vitest';
import { MeshModel } from '../../../lib/model';
import { TypeUrl, unpackAny, type DeltaDiscoveryResponse, type DiscoveryResponse } from '../../../lib/xds';
import type { MeshResource } from '../../../lib/api';
import type { ProxyIdentity, WorkloadInstance } from '../../../lib/translate';
import { createLogger } from '../../../controller/logger';
import { ProxyStream } from '../../../controller/xds/proxy-stream';
import { SnapshotBuilder } from '../../../controller/xds/snapshot-builder';
import { VhdsStream } from '../../../controller/xds/vhds-stream';
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

type Response = DiscoveryResponse | DeltaDiscoveryResponse;

/**
 * The builder and an ADS stream per proxy, subscribed as Envoy does (LDS/CDS wildcard, RDS/EDS by
 * name), each with a VHDS stream subscribed to its route configurations.
 */
function connected(proxies: ProxyIdentity[], resources: MeshResource[], workloads: WorkloadInstance[]) {
  const builder = new SnapshotBuilder();
  const sent = new Map<string, Response[]>();
  const vhds = new Map<ProxyStream, VhdsStream>();
  const streams = proxies.map((proxy) => {
    const responses: Response[] = [];
    sent.set(proxy.workload!, responses);
    const stream = new ProxyStream(proxy.workload!, proxy, (r) => responses.push(r), createLogger('silent'));
    vhds.set(stream, new VhdsStream(`${proxy.workload!}-vhds`, proxy, (r) => responses.push(r), createLogger('silent')));
    stream.attach(vhds.get(stream)!);
    return stream;
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
    vhds.get(s)!.handleRequest({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: names(TypeUrl.RouteConfiguration) });
  }
  for (const responses of sent.values()) responses.length = 0;
  return { builder, streams, sent, generation };
}

const pushed = (responses: Response[]) => responses.map((r) => ({ type: r.type_url, resources: r.resources.length }));
const assignmentNames = (responses: Response[]) => responses.flatMap((r) => (r as DiscoveryResponse).resources.map((any) => unpackAny(any)['cluster_name']));

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

  it('a route weight change pushes only the service\'s virtual host over VHDS, only to the proxies that call the service', () => {
    const { sent, generation } = connected(proxies, mesh(route(10)), reviewsAt('127.0.0.2'));
    generation(mesh(route(20)), reviewsAt('127.0.0.2'));
    for (const caller of ['frontend', 'web']) {
      expect(pushed(sent.get(caller)!)).toEqual([{ type: TypeUrl.VirtualHost, resources: 1 }]);
      expect((sent.get(caller)![0] as DeltaDiscoveryResponse).resources[0]!.name).toBe(`9080/${FQDN('reviews')}:9080`);
    }
    expect(sent.get('backend')).toEqual([]);
  });

  it('a generation that changes nothing pushes nothing', () => {
    const { sent, generation } = connected(proxies, mesh(route(10)), reviewsAt('127.0.0.2'));
    generation(mesh(route(10)), reviewsAt('127.0.0.2'));
    expect([...sent.values()].flat()).toEqual([]);
  });

  it('two proxies with the same view share one delta of virtual hosts, so it is encoded once', () => {
    const both = [sidecar('web', '127.0.0.12'), sidecar('api', '127.0.0.13')];
    const { sent, generation } = connected(both, mesh(route(10)), reviewsAt('127.0.0.2'));
    generation(mesh(route(30)), reviewsAt('127.0.0.2'));
    const [web, api] = [sent.get('web')![0]!, sent.get('api')![0]!];
    expect(web.type_url).toBe(TypeUrl.VirtualHost);
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
