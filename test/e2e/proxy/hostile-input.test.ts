import { readdirSync } from 'node:fs';
import * as net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { request } from '../../support/http-client';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import { cluster, duration, endpoints, httpListener, listener, prefix, route, routeConfig, toCluster, virtualHost } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';

/** Sends raw bytes and collects everything until the server closes (or `idleMs` of silence). */
function raw(port: number, payload: string, idleMs = 2_000): Promise<{ response: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(payload));
    let response = '';
    socket.setTimeout(idleMs, () => {
      socket.destroy();
      resolve({ response, closed: false });
    });
    socket.on('data', (chunk) => (response += chunk.toString()));
    socket.on('close', () => resolve({ response, closed: true }));
    socket.on('error', () => undefined);
  });
}

const openFds = () => readdirSync('/proc/self/fd').length;

/** A full collection between measurements, so the heap comparison sees live memory only. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('hostile and broken input', () => {
  let xds: TestXdsServer;
  let proxy: ProxyUnderTest;
  let app: UpstreamServer;
  let echo: net.Server;
  let port: number;
  let tcpPort: number;

  beforeAll(async () => {
    echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    app = await UpstreamServer.start('app');
    xds = await TestXdsServer.start();
    xds.set(TypeUrl.Cluster, [cluster('app'), cluster('echo')]);
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('app', [app.address]), endpoints('echo', [`127.0.0.1:${(echo.address() as net.AddressInfo).port}`])]);
    xds.set(TypeUrl.RouteConfiguration, [routeConfig('80', [virtualHost('app', [route(prefix('/'), toCluster('app'))])])]);
    xds.set(TypeUrl.Listener, [
      httpListener('outbound_80', 0, '80', [], {
        max_request_headers_kb: { value: 8 },
        request_headers_timeout: duration(300),
        common_http_protocol_options: { idle_timeout: duration(400) },
      }),
      listener('outbound_tcp', 0, [
        { filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TypeUrl.TcpProxy, stat_prefix: 'tcp', cluster: 'echo' } }] },
      ]),
    ]);
    proxy = await startProxy(xds);
    port = await listenerPort(proxy.proxy, 'outbound_80');
    tcpPort = await listenerPort(proxy.proxy, 'outbound_tcp');
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([xds?.stop(), app?.close(), new Promise((resolve) => echo?.close(resolve))]);
  });

  it('answers 400 and closes the connection on malformed HTTP', async () => {
    const { response, closed } = await raw(port, 'GARBAGE\r\n\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 400/);
    expect(closed).toBe(true);
  });

  it('answers 400 to conflicting Content-Length and Transfer-Encoding, so nothing is smuggled', async () => {
    const smuggle = 'POST / HTTP/1.1\r\nHost: app\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: app\r\n\r\n';
    const { response, closed } = await raw(port, smuggle);
    expect(response).toMatch(/^HTTP\/1\.1 400/);
    expect(closed).toBe(true);
    expect(app.received.some((r) => r.url === '/smuggled')).toBe(false);
  });

  it('answers 431 to oversized headers', async () => {
    const { response } = await raw(port, `GET / HTTP/1.1\r\nHost: app\r\nX-Big: ${'a'.repeat(16 * 1024)}\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 431/);
  });

  it('cuts a client that does not finish its headers in time', async () => {
    const { closed } = await raw(port, 'GET / HTTP/1.1\r\nHost: app\r\n', 5_000);
    expect(closed).toBe(true);
  });

  it('closes a keep-alive connection left idle past the idle timeout', async () => {
    const { response, closed } = await raw(port, 'GET /idle HTTP/1.1\r\nHost: app\r\n\r\n', 5_000);
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(closed).toBe(true);
  });

  it('proxies opaque TCP both ways', async () => {
    const echoed = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(tcpPort, '127.0.0.1', () => socket.write('ping over tcp'));
      socket.on('data', (chunk) => {
        resolve(chunk.toString());
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(echoed).toBe('ping over tcp');
  });

  it('does not leak file descriptors or memory over thousands of bad and good requests', async () => {
    const round = async () => {
      const batch = [];
      for (let i = 0; i < 50; i++) {
        batch.push(raw(port, 'GARBAGE\r\n\r\n'));
        batch.push(raw(port, `GET / HTTP/1.1\r\nHost: app\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`));
        batch.push(request(port, '/ok', { headers: { host: 'app' } }));
      }
      await Promise.all(batch);
    };
    await round();
    collectGarbage();
    const fdsBefore = openFds();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 20; i++) await round();
    collectGarbage();
    const fdsAfter = openFds();
    // 3000 connections later the descriptor count is back where it was (a few may still be closing).
    expect(fdsAfter - fdsBefore).toBeLessThan(20);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(16 * 1024 * 1024);
  });
});
