import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { request } from '../../support/http-client';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { cluster, endpoints, httpListener, prefix, route, routeConfig, toCluster, virtualHost } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';

/** An upstream (HTTP/1.1 or h2c) that answers 200 and keeps every connection it accepted. */
async function countingUpstream(kind: 'http1' | 'h2c'): Promise<{ server: http.Server | http2.Http2Server; sockets: Socket[]; address: string }> {
  const sockets: Socket[] = [];
  const answer = (_req: unknown, res: http.ServerResponse | http2.Http2ServerResponse) => res.writeHead(200).end('ok');
  const server = kind === 'http1' ? http.createServer(answer) : http2.createServer(answer);
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, sockets, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const h2c = { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': TypeUrl.HttpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } } } };

describe('upstream connection limits of a cluster', () => {
  let xds: TestXdsServer;
  let proxy: ProxyUnderTest;
  let port: number;
  const upstreams: Record<string, Awaited<ReturnType<typeof countingUpstream>>> = {};

  beforeAll(async () => {
    upstreams['h1'] = await countingUpstream('http1');
    upstreams['h2'] = await countingUpstream('h2c');
    upstreams['idle'] = await countingUpstream('h2c');
    xds = await TestXdsServer.start();
    xds.set(TypeUrl.Cluster, [
      // The Cluster-level form (deprecated in v3, what the translation emits) and the extension's form.
      cluster('h1', { max_requests_per_connection: { value: 2 } }),
      cluster('h2', { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { ...h2c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'], common_http_protocol_options: { max_requests_per_connection: { value: 2 } } } } }),
      // HTTP/2, whose sessions otherwise stay open for a minute.
      cluster('idle', { ...h2c, common_http_protocol_options: { idle_timeout: { nanos: 200_000_000 } } }),
    ]);
    xds.set(TypeUrl.ClusterLoadAssignment, Object.entries(upstreams).map(([name, u]) => endpoints(name, [u.address])));
    xds.set(TypeUrl.RouteConfiguration, [
      routeConfig('80', [virtualHost('all', ['h1', 'h2', 'idle'].map((name) => route(prefix(`/${name}`), toCluster(name))))]),
    ]);
    xds.set(TypeUrl.Listener, [httpListener('outbound_80', 0, '80')]);
    proxy = await startProxy(xds);
    port = await listenerPort(proxy.proxy, 'outbound_80');
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
  });

  afterAll(async () => {
    await proxy?.stop();
    await xds?.stop();
    for (const u of Object.values(upstreams)) {
      for (const s of u.sockets) s.destroy();
      await new Promise((resolve) => u.server.close(resolve));
    }
  });

  for (const name of ['h1', 'h2']) {
    it(`opens a new ${name === 'h1' ? 'HTTP/1.1 connection' : 'HTTP/2 session'} after max_requests_per_connection (2) requests`, async () => {
      for (let i = 0; i < 5; i++) expect((await request(port, `/${name}/${i}`)).status).toBe(200);
      // 5 requests at 2 per connection: 3 connections.
      expect(upstreams[name]!.sockets).toHaveLength(3);
    });
  }

  it('closes an upstream HTTP/2 session idle for longer than the idle_timeout (200 ms)', async () => {
    expect((await request(port, '/idle')).status).toBe(200);
    const [socket] = upstreams['idle']!.sockets;
    expect(socket).toBeDefined();
    // Closed by the proxy, with no request in between.
    await new Promise<void>((resolve) => (socket!.closed ? resolve() : socket!.once('close', () => resolve())));
    expect(upstreams['idle']!.sockets).toHaveLength(1);
  });
});
