import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromStruct, TypeUrl } from '../../../lib/xds';
import { request } from '../../support/http-client';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import { cluster, endpoints, httpListener, prefix, route, routeConfig, toCluster, virtualHost } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';
import { waitFor } from '../../support/wait';

describe('xDS lifecycle', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup() {
    const xds = await TestXdsServer.start();
    cleanups.push(() => xds.stop());
    const upstream = await UpstreamServer.start('app');
    cleanups.push(() => upstream.close());
    xds.set(TypeUrl.Cluster, [cluster('app')]);
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('app', [upstream.address])]);
    xds.set(TypeUrl.RouteConfiguration, [routeConfig('80', [virtualHost('app', [route(prefix('/'), toCluster('app'))])])]);
    xds.set(TypeUrl.Listener, [httpListener('outbound_80', 0, '80')]);
    const proxy: ProxyUnderTest = await startProxy(xds, {
      node: {
        id: 'sidecar~127.0.0.5~web.default~default.svc.cluster.local',
        cluster: 'web',
        metadata: { NAMESPACE: 'default', WORKLOAD: 'web', LABELS: { version: 'v1' } },
      },
    });
    cleanups.push(() => proxy.stop());
    const port = await listenerPort(proxy.proxy, 'outbound_80');
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
    return { xds, upstream, proxy, port };
  }

  it('identifies itself with the node id and metadata of the contract', async () => {
    const { xds } = await setup();
    const node = xds.nodes[0]!;
    expect(node.id).toBe('sidecar~127.0.0.5~web.default~default.svc.cluster.local');
    expect(fromStruct(node.metadata)).toMatchObject({ NAMESPACE: 'default', WORKLOAD: 'web', LABELS: { version: 'v1' } });
  });

  it('ACKs with the version and nonce received, and subscribes to routes and endpoints by name', async () => {
    const { xds } = await setup();
    const ack = await xds.waitForAck(TypeUrl.Listener, '1');
    expect(ack.response_nonce).not.toBe('');
    const rds = await xds.waitForRequest((r) => r.type_url === TypeUrl.RouteConfiguration);
    expect(rds.resource_names).toEqual(['80']);
    const eds = await xds.waitForRequest((r) => r.type_url === TypeUrl.ClusterLoadAssignment);
    expect(eds.resource_names).toEqual(['app']);
  });

  it('NACKs an invalid update with the reason and keeps serving the last good config', async () => {
    const { xds, port } = await setup();
    const bad = xds.set(TypeUrl.RouteConfiguration, [
      routeConfig('80', [virtualHost('app', [route({ safe_regex: { regex: '(unclosed' } }, toCluster('app'))])]),
    ]);
    const nack = await xds.waitForNack(TypeUrl.RouteConfiguration);
    expect(bad).toBe('2');
    expect(nack.version_info).toBe('1');
    expect(nack.error_detail?.message).toMatch(/invalid regex/);
    expect((await request(port, '/still-works')).status).toBe(200);
  });

  it('keeps serving while the controller is away and reconnects when it returns', async () => {
    const { xds, proxy, port } = await setup();
    const requestsBefore = xds.requests.length;
    xds.dropStreams();
    expect((await request(port, '/during-outage')).status).toBe(200);
    await waitFor('a new stream', () => xds.requests.slice(requestsBefore).some((r) => r.response_nonce === '' && r.type_url === TypeUrl.Cluster));
    const log = proxy.logs.find((line) => line['event'] === 'xds.disconnected');
    expect(log).toBeDefined();
    // The restarted stream resumes from the accepted versions, so the controller can push a change.
    xds.set(TypeUrl.RouteConfiguration, [routeConfig('80', [virtualHost('app', [route(prefix('/'), { direct_response: { status: 418, body: { inline_string: 'new config' } } })])])]);
    await waitFor('the new route', async () => (await request(port, '/')).status === 418);
  });

  it('applies route changes atomically without dropping in-flight requests', async () => {
    let release: (() => void) | undefined;
    const { xds, upstream, port } = await setup();
    upstream.setHandler((req, res) => {
      if (req.url === '/slow') {
        release = () => res.end('slow done');
        return;
      }
      res.end('fast');
    });
    const slow = request(port, '/slow');
    await waitFor('the slow request to reach the upstream', () => release);
    xds.set(TypeUrl.RouteConfiguration, [routeConfig('80', [virtualHost('app', [route(prefix('/'), { direct_response: { status: 503, body: { inline_string: 'maintenance' } } })])])]);
    await xds.waitForAck(TypeUrl.RouteConfiguration, '2');
    expect((await request(port, '/after')).status).toBe(503);
    release!();
    const finished = await slow;
    expect(finished.status).toBe(200);
    expect(finished.body).toBe('slow done');
  });

  it('answers 503 when the route names a cluster it does not know', async () => {
    const { xds, port } = await setup();
    xds.set(TypeUrl.RouteConfiguration, [routeConfig('80', [virtualHost('app', [route(prefix('/'), toCluster('ghost'))])])]);
    await xds.waitForAck(TypeUrl.RouteConfiguration, '2');
    const response = await request(port, '/');
    expect(response.status).toBe(503);
    expect(response.body).toContain('cluster ghost not found');
  });

  it('survives an unreadable token by retrying, and sends the new token once it is back', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshform-token-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const tokenPath = path.join(dir, 'token');
    writeFileSync(tokenPath, 'one');
    const xds = await TestXdsServer.start();
    cleanups.push(() => xds.stop());
    const proxy = await startProxy(xds, { tokenPath });
    cleanups.push(() => proxy.stop());
    await waitFor('the first stream', () => xds.nodes.length === 1);
    rmSync(tokenPath);
    xds.dropStreams();
    await waitFor('a failed reconnect', () => proxy.logs.find((l) => String(l['reason']).includes('cannot build the node')));
    writeFileSync(tokenPath, 'two');
    await waitFor('a stream with the new token', () => xds.nodes.some((node) => fromStruct(node.metadata)['TOKEN'] === 'two'));
  });

  it('binds a listener whose port was busy once the port is free', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as net.AddressInfo).port;
    const xds = await TestXdsServer.start();
    cleanups.push(() => xds.stop());
    xds.set(TypeUrl.Cluster, []);
    xds.set(TypeUrl.RouteConfiguration, [routeConfig('80', [virtualHost('app', [route(prefix('/'), { direct_response: { status: 200, body: { inline_string: 'bound' } } })])])]);
    xds.set(TypeUrl.Listener, [httpListener('busy', busyPort, '80')]);
    const proxy = await startProxy(xds);
    cleanups.push(() => proxy.stop());
    await waitFor('the bind failure', () => proxy.logs.find((l) => l['event'] === 'listener.bind_failed'));
    await new Promise((resolve) => blocker.close(resolve));
    await waitFor('the listener', () => proxy.proxy.listenerPort('busy'));
    expect((await request(busyPort, '/')).body).toBe('bound');
  });

  it('reports readiness only after listeners and clusters arrived', async () => {
    const xds = await TestXdsServer.start();
    cleanups.push(() => xds.stop());
    const proxy = await startProxy(xds);
    cleanups.push(() => proxy.stop());
    const admin = proxy.proxy.adminPort;
    expect((await request(admin, '/ready')).status).toBe(503);
    xds.set(TypeUrl.Cluster, []);
    xds.set(TypeUrl.Listener, []);
    await waitFor('ready', async () => (await request(admin, '/ready')).status === 200);
  });
});
