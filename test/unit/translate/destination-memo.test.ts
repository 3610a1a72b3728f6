import { describe, expect, it } from 'vitest';
import { MeshModel } from '../../../lib/model';
import { DestinationMemo, instancesOf, translateOutbound } from '../../../lib/translate';
import { instance, meshService, proxyless, resource } from '../../support/controller-fixtures';

const FQDN = (name: string) => `${name}.default.svc.cluster.local`;
const services = [meshService('reviews', { versions: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }), meshService('ratings')];
const route = (v2: number) => resource('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules: [{ backends: [{ version: 'v1', weight: 100 - v2 }, { version: 'v2', weight: v2 }] }] });
const workloads = [instance('reviews', '127.0.0.2', { version: 'v1' }), instance('ratings', '127.0.0.3')];
const clusterNamed = (t: ReturnType<typeof translateOutbound>, name: string) => t.clusters.find((c) => c['name'] === name);

describe('per-destination memo', () => {
  it('translates exactly as without a memo', () => {
    const model = new MeshModel([...services, route(20)]);
    expect(translateOutbound(model, workloads, proxyless(), new DestinationMemo())).toEqual(translateOutbound(model, workloads, proxyless()));
  });

  it('keeps the very objects of untouched destinations and re-translates the changed one', () => {
    const memo = new DestinationMemo();
    const before = translateOutbound(new MeshModel([...services, route(20)]), workloads, proxyless(), memo);
    memo.nextGeneration();
    const after = translateOutbound(new MeshModel([...services, route(30)]), workloads, proxyless(), memo);
    expect(clusterNamed(after, `outbound|9080||${FQDN('ratings')}`)).toBe(clusterNamed(before, `outbound|9080||${FQDN('ratings')}`));
    const hostsOf = (t: typeof before) => (t.routeConfigurations[0] as { virtual_hosts: { name: string; routes: unknown[] }[] }).virtual_hosts;
    expect(hostsOf(after).find((h) => h.name.startsWith('9080/ratings'))).toBe(hostsOf(before).find((h) => h.name.startsWith('9080/ratings')));
    expect(hostsOf(after).find((h) => h.name.startsWith('9080/reviews'))).not.toEqual(hostsOf(before).find((h) => h.name.startsWith('9080/reviews')));
  });

  it('re-translates a destination whose endpoints moved', () => {
    const memo = new DestinationMemo();
    const model = new MeshModel([...services, route(20)]);
    translateOutbound(model, workloads, proxyless(), memo);
    memo.nextGeneration();
    const moved = [instance('reviews', '127.0.0.9', { version: 'v1' }), instance('ratings', '127.0.0.3')];
    const after = translateOutbound(model, moved, proxyless(), memo);
    const cla = after.clusterLoadAssignments.find((c) => c['cluster_name'] === `outbound|9080|v1|${FQDN('reviews')}`) as { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[] }[] };
    expect(cla.endpoints[0]!.lb_endpoints[0]!.endpoint.address.socket_address.address).toBe('127.0.0.9');
  });

  it('re-translates a destination whose instance stops being ready', () => {
    const memo = new DestinationMemo();
    const model = new MeshModel([...services, route(20)]);
    translateOutbound(model, workloads, proxyless(), memo);
    memo.nextGeneration();
    const notReady = [instance('reviews', '127.0.0.2', { version: 'v1' }, { ready: false }), instance('ratings', '127.0.0.3')];
    const after = translateOutbound(model, notReady, proxyless(), memo);
    const cla = after.clusterLoadAssignments.find((c) => c['cluster_name'] === `outbound|9080|v1|${FQDN('reviews')}`) as { endpoints: unknown[] };
    expect(cla.endpoints).toEqual([]);
  });

  it('re-translates a destination whose backend service changed', () => {
    const memo = new DestinationMemo();
    const toRatings = resource('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules: [{ backends: [{ name: 'ratings', version: 'v3' }] }] });
    const first = translateOutbound(new MeshModel([...services, toRatings]), workloads, proxyless(), memo);
    expect(first.issues).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_VERSION' }));
    memo.nextGeneration();
    const ratingsV3 = meshService('ratings', { versions: [{ name: 'v3', labels: { version: 'v3' } }] });
    const second = translateOutbound(new MeshModel([services[0]!, ratingsV3, toRatings]), workloads, proxyless(), memo);
    expect(second.issues).toEqual([]);
  });

  it('replays a remembered destination\'s issues', () => {
    const memo = new DestinationMemo();
    const model = new MeshModel([...services, resource('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules: [{ backends: [{ name: 'ghost' }] }] })]);
    translateOutbound(model, workloads, proxyless(), memo);
    memo.nextGeneration();
    expect(translateOutbound(model, workloads, proxyless(), memo).issues).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_SERVICE' }));
  });

  it('selects the same instances with or without the index', () => {
    const model = new MeshModel(services);
    expect(instancesOf(model.service('default', 'reviews')!, [...workloads, instance('reviews', '127.0.0.4', { version: 'v2' }, { ready: false })], 'v1').map((w) => w.address)).toEqual(['127.0.0.2']);
  });
});
