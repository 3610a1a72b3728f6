import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { AdsTestClient, namesOf, resourcesOf } from '../../support/controller-ads-client';
import { adminJson, eventually, manifest, startLocalController, type LocalControllerHarness } from '../../support/controller-harness';
import { proxylessNode } from '../../support/controller-fixtures';

const REVIEWS = 'reviews.default.svc.cluster.local';
const meshService = (name: string, port = 9080) => manifest('MeshService', name, { selector: { app: name }, ports: [{ port, protocol: 'grpc' }], versions: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });
const registry = (...ports: number[]) => ({ version: 1, workloads: ports.map((p, i) => ({ name: `reviews-${i}`, address: '127.0.0.1', labels: { app: 'reviews', version: `v${i + 1}` }, ports: { '9080': p } })) });

describe('ADS server (state of the world)', () => {
  let harness: LocalControllerHarness;
  const clients: AdsTestClient[] = [];
  const connect = (id = 'grpc-client') => {
    const c = new AdsTestClient(harness.xdsAddress, proxylessNode(id));
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    harness = await startLocalController({ manifests: [meshService('reviews')], registry: registry(50001, 50002) });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await harness.close();
  });

  it('answers a first request with the subscribed listener and stays quiet after the ACK', async () => {
    const client = connect();
    client.subscribe(TypeUrl.Listener, [`${REVIEWS}:9080`]);
    const lds = await client.next(TypeUrl.Listener);
    expect(namesOf(lds)).toEqual([`${REVIEWS}:9080`]);
    expect(lds.version_info).not.toBe('');
    client.ack(lds, [`${REVIEWS}:9080`]);
    client.subscribe(TypeUrl.Cluster, [`outbound|9080||${REVIEWS}`]);
    const cds = await client.next(TypeUrl.Cluster);
    expect(client.pending(TypeUrl.Listener)).toEqual([]);
    const dump = await adminJson(harness, `/debug/config_dump?proxy=grpc-client`);
    expect(dump[0].xds.LDS.ackedVersion).toBe(lds.version_info);
    expect(namesOf(cds)).toEqual([`outbound|9080||${REVIEWS}`]);
  });

  it('answers a subscription change on the same version and nonce with the new set of names', async () => {
    const client = connect();
    const whole = `outbound|9080||${REVIEWS}`;
    const v1 = `outbound|9080|v1|${REVIEWS}`;
    client.subscribe(TypeUrl.ClusterLoadAssignment, [whole]);
    const first = await client.next(TypeUrl.ClusterLoadAssignment);
    expect(namesOf(first)).toEqual([whole]);
    client.ack(first, [whole, v1]);
    const second = await client.next(TypeUrl.ClusterLoadAssignment);
    expect(namesOf(second).sort()).toEqual([whole, v1].sort());
    const endpoints = resourcesOf(second).find((r) => r['cluster_name'] === v1) as { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { port_value: number } } } }[] }[] };
    expect(endpoints.endpoints[0]!.lb_endpoints.map((e) => e.endpoint.address.socket_address.port_value)).toEqual([50001]);
  });

  it('keeps a proxy that NACKed on its last good version, shows the NACK, and pushes the next change', async () => {
    const client = connect();
    client.subscribe(TypeUrl.Cluster);
    const good = await client.next(TypeUrl.Cluster);
    client.ack(good);
    harness.writeManifest('mesh.yaml', [meshService('reviews'), meshService('ratings', 9090)]);
    const rejected = await client.next(TypeUrl.Cluster);
    client.nack(rejected, good.version_info, 'cluster ratings: unsupported');
    const dump = await eventually(async () => {
      const body = await adminJson(harness, `/debug/config_dump?proxy=grpc-client`);
      return body[0].xds.CDS.nack ? body : undefined;
    }, 'the NACK on /debug/config_dump');
    expect(dump[0].xds.CDS.nack).toMatchObject({ version: rejected.version_info, message: 'cluster ratings: unsupported' });
    expect(dump[0].xds.CDS.ackedVersion).toBe(good.version_info);
    expect(await (await fetch(`${harness.adminUrl}/metrics`)).text()).toMatch(/meshform_xds_nacks_total\{type="CDS"\} 1/);
    expect(client.pending(TypeUrl.Cluster)).toEqual([]);
    harness.writeManifest('mesh.yaml', [meshService('reviews')]);
    const next = await client.next(TypeUrl.Cluster);
    expect(next.version_info).toBe(good.version_info);
  });

  it('ignores a reply to an older nonce', async () => {
    const client = connect();
    client.subscribe(TypeUrl.Cluster);
    const first = await client.next(TypeUrl.Cluster);
    harness.writeManifest('mesh.yaml', [meshService('reviews'), meshService('ratings', 9090)]);
    const second = await client.next(TypeUrl.Cluster);
    client.nack(first, '', 'stale complaint');
    client.ack(second);
    const dump = await eventually(async () => {
      const body = await adminJson(harness, `/debug/config_dump?proxy=grpc-client`);
      return body[0].xds.CDS.ackedVersion ? body : undefined;
    }, 'the ACK');
    expect(dump[0].xds.CDS.nack).toBeUndefined();
    expect(dump[0].xds.CDS.ackedVersion).toBe(second.version_info);
  });

  it('serves a reconnecting proxy in full on its new stream', async () => {
    const first = connect('same-proxy');
    first.subscribe(TypeUrl.Cluster);
    const before = await first.next(TypeUrl.Cluster);
    first.close();
    const again = connect('same-proxy');
    again.subscribe(TypeUrl.Cluster, [], before.version_info);
    const after = await again.next(TypeUrl.Cluster);
    expect(after.version_info).toBe(before.version_info);
    expect(namesOf(after)).toEqual(namesOf(before));
  });

  it('pushes only the type that changed when endpoints move', async () => {
    const client = connect();
    const whole = `outbound|9080||${REVIEWS}`;
    client.subscribe(TypeUrl.Cluster);
    client.ack(await client.next(TypeUrl.Cluster));
    client.subscribe(TypeUrl.ClusterLoadAssignment, [whole]);
    client.ack(await client.next(TypeUrl.ClusterLoadAssignment), [whole]);
    harness.writeRegistry(registry(50001, 50003));
    const eds = await client.next(TypeUrl.ClusterLoadAssignment);
    const ports = (resourcesOf(eds)[0] as { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { port_value: number } } } }[] }[] }).endpoints[0]!.lb_endpoints.map((e) => e.endpoint.address.socket_address.port_value);
    expect(ports).toEqual([50001, 50003]);
    client.ack(eds, [whole]);
    // A later change of another type arrives alone: no CDS was queued by the endpoint move.
    harness.writeManifest('mesh.yaml', [meshService('reviews'), meshService('ratings', 9090)]);
    await client.next(TypeUrl.Cluster);
    expect(client.pending(TypeUrl.ClusterLoadAssignment)).toEqual([]);
  });

  it('shows a NACK on the status of the services whose resources the rejected response changed, until the next ACK', async () => {
    const client = connect();
    const cluster = `outbound|9080||${REVIEWS}`;
    client.subscribe(TypeUrl.Cluster, [cluster]);
    client.ack(await client.next(TypeUrl.Cluster), [cluster]);
    harness.writeManifest('mesh.yaml', [meshService('reviews'), manifest('TrafficPolicy', 'reviews', { service: { name: 'reviews' }, connectionPool: { tcp: { maxConnections: 7 } } })]);
    const changed = await client.next(TypeUrl.Cluster);
    client.nack(changed, '', 'circuit breakers: unsupported threshold', [cluster]);
    const statusOf = async (key: string) => ((await adminJson(harness, '/debug/resources')).resources as { key: string; programmed: boolean; rejections: object[] }[]).find((s) => s.key === key);
    const service = await eventually(async () => {
      const s = await statusOf('MeshService/default/reviews');
      return s?.programmed === false ? s : undefined;
    }, 'the MeshService not programmed');
    expect(service.rejections).toEqual([expect.objectContaining({ proxy: 'grpc-client', type: 'CDS', resource: cluster, message: 'circuit breakers: unsupported threshold' })]);
    expect(await statusOf('TrafficPolicy/default/reviews')).toMatchObject({ programmed: false });
    harness.writeManifest('mesh.yaml', [meshService('reviews'), manifest('TrafficPolicy', 'reviews', { service: { name: 'reviews' }, connectionPool: { tcp: { maxConnections: 8 } } })]);
    client.ack(await client.next(TypeUrl.Cluster), [cluster]);
    await eventually(async () => ((await statusOf('MeshService/default/reviews'))?.programmed === true ? true : undefined), 'programmed again after the ACK');
  });

  it('closes a stream whose first request does not say which node it is', async () => {
    const client = new AdsTestClient(harness.xdsAddress, { id: '' });
    clients.push(client);
    client.subscribe(TypeUrl.Cluster);
    await expect(client.next(TypeUrl.Cluster)).rejects.toThrow(/closed/);
    expect(client.closedWith?.details).toMatch(/XDS_NO_NODE/);
  });

  it('keeps the last valid version of a resource that turns invalid and says why', async () => {
    const route = (weights: [number, number]) =>
      manifest('TrafficRoute', 'reviews', { service: { name: 'reviews' }, rules: [{ backends: [{ version: 'v1', weight: weights[0] }, { version: 'v2', weight: weights[1] }] }] });
    harness.writeManifest('mesh.yaml', [meshService('reviews'), route([80, 20])]);
    const client = connect();
    client.subscribe(TypeUrl.RouteConfiguration, ['9080']);
    const weightsOf = (r: Awaited<ReturnType<AdsTestClient['next']>>) =>
      ((resourcesOf(r)[0] as { virtual_hosts: { routes: { route: { weighted_clusters?: { clusters: { weight: { value: number } }[] } } }[] }[] }).virtual_hosts[0]!.routes[0]!.route.weighted_clusters?.clusters ?? []).map((c) => c.weight.value);
    const routes = await eventually(async () => {
      const r = await client.next(TypeUrl.RouteConfiguration);
      client.ack(r, ['9080']);
      return weightsOf(r).length > 0 ? r : undefined;
    }, 'the weighted route');
    expect(weightsOf(routes)).toEqual([80, 20]);
    harness.writeManifest('mesh.yaml', [meshService('reviews'), route([80, 30])]);
    const status = await eventually(async () => {
      const body = await adminJson(harness, `/debug/resources`);
      return body.resources.find((s: { key: string; accepted: boolean }) => s.key === 'TrafficRoute/default/reviews' && !s.accepted);
    }, 'the Invalid status');
    expect(status).toMatchObject({ reason: 'WEIGHTS_SUM', inForce: 'last-valid' });
    expect(status.message).toMatch(/add up to 110/);
    expect(client.pending(TypeUrl.RouteConfiguration)).toEqual([]);
  });
});
