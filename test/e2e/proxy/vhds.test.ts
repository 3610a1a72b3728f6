import { afterEach, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { request } from '../../support/http-client';
import { listenerPort, startProxy } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import { cluster, endpoints, httpListener, prefix, route, toCluster, vhdsRouteConfig, virtualHost } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';
import { waitFor } from '../../support/wait';

const APP = '80/app.default.svc.cluster.local:80';
const appHost = (clusterName: string, routes = [route(prefix('/'), toCluster(clusterName))]) =>
  virtualHost(APP, routes, ['app', 'app:80', 'app.default.svc.cluster.local']) as { name: string };
const catchAll = virtualHost('allow_any', [route(prefix('/'), { direct_response: { status: 404, body: { inline_string: 'catch-all' } } })], ['*']);

describe('virtual hosts by VHDS', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A controller stand-in whose route configuration 80 holds only a catch-all and takes app's virtual host from VHDS. */
  async function controller(listener = true) {
    const xds = await TestXdsServer.start();
    cleanups.push(() => xds.stop());
    const upstreams = { v1: await UpstreamServer.start('v1'), v2: await UpstreamServer.start('v2') };
    cleanups.push(() => upstreams.v1.close(), () => upstreams.v2.close());
    xds.set(TypeUrl.Cluster, [cluster('app-v1'), cluster('app-v2')]);
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('app-v1', [upstreams.v1.address]), endpoints('app-v2', [upstreams.v2.address])]);
    xds.set(TypeUrl.RouteConfiguration, [vhdsRouteConfig('80', [catchAll])]);
    if (listener) xds.set(TypeUrl.Listener, [httpListener('outbound_80', 0, '80')]);
    xds.vhds.set(appHost('app-v1'));
    return xds;
  }

  async function setup() {
    const xds = await controller();
    const proxy = await startProxy(xds);
    cleanups.push(() => proxy.stop());
    const port = await listenerPort(proxy.proxy, 'outbound_80');
    const upstreamOf = async (host = 'app') => {
      const response = await request(port, '/', { headers: { host } });
      return response.headers['x-upstream'] ?? response.body;
    };
    await waitFor('routing by the VHDS virtual host', async () => (await upstreamOf()) === 'v1');
    return { xds, proxy, port, upstreamOf };
  }

  it('routes by a virtual host VHDS delivers, subscribing to its route configuration by name on the ADS channel', async () => {
    const { xds, upstreamOf } = await setup();
    const first = xds.vhds.requests[0]!;
    expect(first).toMatchObject({ type_url: TypeUrl.VirtualHost, resource_names_subscribe: ['80'] });
    expect(first.node?.id).toBe(xds.nodes[0]!.id);
    expect(await upstreamOf('app.default.svc.cluster.local')).toBe('v1');
    expect(await upstreamOf('elsewhere.example')).toBe('catch-all');
  });

  it('moves traffic when that one virtual host changes, without a restart, and ACKs it', async () => {
    const { xds, upstreamOf } = await setup();
    xds.vhds.set(appHost('app-v2'));
    const ack = await xds.vhds.waitForAck(xds.vhds.lastNonce);
    expect(ack.error_detail).toBeFalsy();
    expect(await upstreamOf()).toBe('v2');
  });

  it('falls back to the inline catch-all once the virtual host is removed', async () => {
    const { xds, upstreamOf } = await setup();
    xds.vhds.remove(APP);
    await xds.vhds.waitForAck(xds.vhds.lastNonce);
    expect(await upstreamOf()).toBe('catch-all');
  });

  it('NACKs a bad virtual host with the reason, counts it, and keeps routing by the previous one', async () => {
    const { xds, proxy, upstreamOf } = await setup();
    xds.vhds.set(appHost('app-v2', [route({ safe_regex: { regex: '(unclosed' } }, toCluster('app-v2'))]));
    const nack = await xds.vhds.waitForNack();
    expect(nack.response_nonce).toBe(xds.vhds.lastNonce);
    expect(nack.error_detail?.message).toMatch(/virtual host 80\/app\.default\.svc\.cluster\.local:80 .*invalid regex/);
    expect(await upstreamOf()).toBe('v1');
    const metrics = (await request(proxy.proxy.adminPort, '/stats/prometheus')).body;
    expect(metrics).toMatch(/meshform_config_rejections_total\{type="VirtualHost"\} 1/);
    expect(metrics).toMatch(/meshform_config_info\{type="VirtualHost",version="1"\} 1/);
  });

  it('reconnects after the stream drops, offering the virtual hosts it holds, and keeps serving meanwhile', async () => {
    const { xds, proxy, upstreamOf } = await setup();
    const before = xds.vhds.requests.length;
    xds.dropStreams();
    expect(await upstreamOf()).toBe('v1');
    const resumed = await waitFor('a new VHDS stream', () => xds.vhds.requests.slice(before).find((r) => r.resource_names_subscribe?.length));
    expect(resumed.resource_names_subscribe).toEqual(['80']);
    expect(resumed.initial_resource_versions).toEqual({ [APP]: '1' });
    expect(proxy.logs.some((line) => line['event'] === 'xds.disconnected' && line['stream'] === 'vhds')).toBe(true);
    xds.vhds.set(appHost('app-v2'));
    await waitFor('the change pushed on the new stream', async () => (await upstreamOf()) === 'v2');
  });

  it('retries a VHDS stream the controller refuses until it has the ADS stream', async () => {
    const xds = await controller();
    xds.vhds.refuseStreams(2);
    const proxy = await startProxy(xds);
    cleanups.push(() => proxy.stop());
    const port = await listenerPort(proxy.proxy, 'outbound_80');
    await waitFor('routing by the VHDS virtual host', async () => (await request(port, '/', { headers: { host: 'app' } })).headers['x-upstream'] === 'v1');
    const refusals = proxy.logs.filter((line) => line['event'] === 'xds.disconnected' && line['stream'] === 'vhds');
    expect(refusals).toHaveLength(2);
    expect(refusals[0]!['reason']).toMatch(/no ADS stream for this node yet/);
  });

  it('is not ready until the first VHDS response has arrived', async () => {
    const xds = await controller();
    xds.vhds.pause();
    const proxy = await startProxy(xds);
    cleanups.push(() => proxy.stop());
    await xds.vhds.waitForRequest((r) => r.resource_names_subscribe?.includes('80') === true);
    await xds.waitForAck(TypeUrl.RouteConfiguration, '1');
    await xds.waitForAck(TypeUrl.Listener, '1');
    expect((await request(proxy.proxy.adminPort, '/ready')).status).toBe(503);
    xds.vhds.resume();
    await waitFor('ready', async () => (await request(proxy.proxy.adminPort, '/ready')).status === 200);
    expect(proxy.proxy.snapshot.versions[TypeUrl.VirtualHost]).toBe('1');
  });

  it('is not ready before its first virtual hosts even when probed before any listener came', async () => {
    const xds = await controller(false);
    xds.vhds.pause();
    const proxy = await startProxy(xds);
    cleanups.push(() => proxy.stop());
    expect((await request(proxy.proxy.adminPort, '/ready')).status).toBe(503);
    xds.set(TypeUrl.Listener, [httpListener('outbound_80', 0, '80')]);
    await xds.vhds.waitForRequest((r) => r.resource_names_subscribe?.includes('80') === true);
    await xds.waitForAck(TypeUrl.RouteConfiguration, '1');
    expect((await request(proxy.proxy.adminPort, '/ready')).status).toBe(503);
    xds.vhds.resume();
    await waitFor('ready', async () => (await request(proxy.proxy.adminPort, '/ready')).status === 200);
  });

  it('is not ready while a route configuration its listeners name has not arrived (nothing is subscribed over VHDS yet)', async () => {
    // GIVEN listeners and clusters, but the listener's route configuration held back
    const xds = await controller();
    xds.set(TypeUrl.RouteConfiguration, []);
    const proxy = await startProxy(xds);
    cleanups.push(() => proxy.stop());
    await xds.waitForAck(TypeUrl.Listener, '1');
    await xds.waitForAck(TypeUrl.Cluster, '1');
    // THEN the first request would only find an empty table: not ready
    expect((await request(proxy.proxy.adminPort, '/ready')).status).toBe(503);
    // WHEN the route configuration comes, and with it the VHDS subscription and its virtual hosts
    xds.set(TypeUrl.RouteConfiguration, [vhdsRouteConfig('80', [catchAll])]);
    await waitFor('ready', async () => (await request(proxy.proxy.adminPort, '/ready')).status === 200);
    const port = await listenerPort(proxy.proxy, 'outbound_80');
    expect((await request(port, '/', { headers: { host: 'app' } })).headers['x-upstream']).toBe('v1');
  });

  it('is not ready while a cluster it knows has no load assignment yet (the first request would find no upstream)', async () => {
    // GIVEN everything but app-v2's endpoints
    const xds = await controller();
    const upstream = await UpstreamServer.start('v2-late');
    cleanups.push(() => upstream.close());
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('app-v1', [upstream.address])]);
    const proxy = await startProxy(xds);
    cleanups.push(() => proxy.stop());
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '2');
    await xds.vhds.waitForRequest((r) => r.resource_names_subscribe?.includes('80') === true);
    await xds.waitForAck(TypeUrl.Listener, '1');
    expect((await request(proxy.proxy.adminPort, '/ready')).status).toBe(503);
    // WHEN they come
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('app-v1', [upstream.address]), endpoints('app-v2', [upstream.address])]);
    await waitFor('ready', async () => (await request(proxy.proxy.adminPort, '/ready')).status === 200);
  });

  it('stays ready when a port added later waits for its virtual hosts: VHDS counts for the first sync only', async () => {
    const { xds, proxy } = await setup();
    expect((await request(proxy.proxy.adminPort, '/ready')).status).toBe(200);
    xds.vhds.pause();
    xds.set(TypeUrl.RouteConfiguration, [vhdsRouteConfig('80', [catchAll]), vhdsRouteConfig('8080', [catchAll])]);
    xds.set(TypeUrl.Listener, [httpListener('outbound_80', 0, '80'), httpListener('outbound_8080', 0, '8080')]);
    await xds.vhds.waitForRequest((r) => r.resource_names_subscribe?.includes('8080') === true);
    expect((await request(proxy.proxy.adminPort, '/ready')).status).toBe(200);
    xds.vhds.resume();
  });

  it('unsubscribes from a route configuration no listener uses any more and drops its virtual hosts', async () => {
    const { xds, proxy } = await setup();
    xds.set(TypeUrl.Listener, []);
    const unsubscribe = await xds.vhds.waitForRequest((r) => r.resource_names_unsubscribe?.includes('80') === true);
    expect(unsubscribe.resource_names_subscribe ?? []).toEqual([]);
    const dump = JSON.parse((await request(proxy.proxy.adminPort, '/config_dump')).body) as { virtualHosts: unknown[] };
    expect(dump.virtualHosts).toEqual([]);
  });
});
