import * as grpc from '@grpc/grpc-js';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { healthServiceDefinition, type HealthCheckRequest, type HealthCheckResponse } from '../../../proxy/admin/grpc-health-check';
import type { BootstrapInput } from '../../../proxy/bootstrap';
import { TestCa } from '../../support/certificates';
import { request } from '../../support/http-client';
import { freePort } from '../../support/processes';
import { listenerPort, startProxy } from '../../support/proxy-harness';
import { UpstreamServer, type UpstreamHandler } from '../../support/upstream-server';
import { cluster, endpoints, httpListener, prefix, route, routeConfig, toCluster, virtualHost } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';

type AppProbes = NonNullable<BootstrapInput['appProbes']>;

describe('health listener', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    const results = await Promise.allSettled(cleanups.splice(0).map((cleanup) => cleanup()));
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  });

  /** A proxy with a health listener on an OS-chosen port; no config until `configure` is called. */
  async function startWithHealth(appProbes: AppProbes = {}) {
    const xds = await TestXdsServer.start();
    cleanups.push(() => xds.stop());
    const running = await startProxy(xds, { health: { address: '127.0.0.1', port: 0 }, appProbes });
    cleanups.push(() => running.stop());
    const proxy = running.proxy;
    return {
      proxy,
      health: (path: string, method = 'GET') => request(proxy.healthPort, path, { method }),
      admin: (path: string, method = 'GET') => request(proxy.adminPort, path, { method }),
      configure: async () => {
        const app = await UpstreamServer.start('app');
        cleanups.push(() => app.close());
        xds.set(TypeUrl.Cluster, [cluster('app')]);
        xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('app', [app.address])]);
        xds.set(TypeUrl.RouteConfiguration, [routeConfig('80', [virtualHost('app', [route(prefix('/'), toCluster('app'))])])]);
        xds.set(TypeUrl.Listener, [httpListener('outbound_80', 0, '80')]);
        const port = await listenerPort(proxy, 'outbound_80');
        await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
        return port;
      },
    };
  }

  async function app(handler?: UpstreamHandler) {
    const server = await UpstreamServer.start('app', handler);
    cleanups.push(() => server.close());
    return server;
  }

  it('answers /ready as the admin does, before and after the first config', async () => {
    const { health, admin, configure } = await startWithHealth();
    expect(await health('/ready')).toMatchObject({ status: 503, body: (await admin('/ready')).body });
    await configure();
    const ready = await health('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toBe((await admin('/ready')).body);
  });

  it('serves the same Prometheus text as the admin', async () => {
    const { health, admin, configure } = await startWithHealth();
    const port = await configure();
    expect((await request(port, '/r', { headers: { host: 'app' } })).status).toBe(200);
    const [scraped, fromAdmin] = [await health('/stats/prometheus'), await admin('/stats/prometheus')];
    expect(scraped.status).toBe(200);
    expect(scraped.headers['content-type']).toBe(fromAdmin.headers['content-type']);
    expect(scraped.body).toContain('meshform_requests_total{');
    expect(scraped.body).toBe(fromAdmin.body);
  });

  it('refuses the admin-only endpoints and other methods with 404, which the admin still serves', async () => {
    const { proxy, health, admin } = await startWithHealth();
    for (const [path, method] of [['/drain', 'POST'], ['/drain', 'GET'], ['/config_dump', 'GET'], ['/clusters', 'GET'], ['/ready', 'POST'], ['/', 'GET']] as const) {
      expect((await health(path, method)).status, `${method} ${path}`).toBe(404);
    }
    expect((await admin('/config_dump')).status).toBe(200);
    expect(proxy.isReady()).toBe(false);
    expect((await admin('/drain', 'POST')).status).toBe(200);
  });

  describe('/app-health', () => {
    it('passes an HTTP probe when the app answers 204 or 302, with the path and headers of the probe', async () => {
      const statuses = [204, 302];
      const server = await app((_req, res) => res.writeHead(statuses.shift() ?? 500, { location: '/elsewhere' }).end());
      const { health } = await startWithHealth({
        'web/readyz': { httpGet: { port: server.port, path: '/healthz?full=1', httpHeaders: [{ name: 'X-Probe', value: 'ready' }] } },
      });
      expect(await health('/app-health/web/readyz')).toMatchObject({ status: 200, body: '204\n' });
      expect(await health('/app-health/web/readyz')).toMatchObject({ status: 200, body: '302\n' });
      expect(server.received[0]).toMatchObject({ method: 'GET', url: '/healthz?full=1', headers: { 'x-probe': 'ready' } });
      expect(server.received[0]!.headers['user-agent']).toMatch(/^kube-probe\//);
    });

    it('fails an HTTP probe with 503 when the app answers 500', async () => {
      const server = await app((_req, res) => res.writeHead(500).end('boom'));
      const { health } = await startWithHealth({ 'web/livez': { httpGet: { port: server.port } } });
      expect(await health('/app-health/web/livez')).toMatchObject({ status: 503, body: 'app answered 500\n' });
      expect(server.received[0]!.url).toBe('/');
    });

    it('fails an HTTP probe with 503 when the app does not answer within its timeout', async () => {
      const server = await app(() => undefined);
      const { health } = await startWithHealth({ 'web/livez': { httpGet: { port: server.port }, timeoutSeconds: 1 } });
      expect(await health('/app-health/web/livez')).toMatchObject({ status: 503, body: 'no answer within 1s\n' });
    });

    it('probes HTTPS without verifying the app certificate, as the kubelet does', async () => {
      const ca = new TestCa();
      cleanups.push(() => ca.dispose());
      const server = https.createServer(ca.issue('web'), (_req, res) => res.writeHead(200).end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const port = (server.address() as AddressInfo).port;
      const { health } = await startWithHealth({ 'web/startupz': { httpGet: { port, scheme: 'HTTPS' } } });
      expect(await health('/app-health/web/startupz')).toMatchObject({ status: 200, body: '200\n' });
    });

    it('passes a TCP probe when the port accepts and fails it when nothing listens', async () => {
      const server = await app();
      const closed = await freePort();
      const { health } = await startWithHealth({ 'web/livez': { tcpSocket: { port: server.port } }, 'web/readyz': { tcpSocket: { port: closed } } });
      expect((await health('/app-health/web/livez')).status).toBe(200);
      const down = await health('/app-health/web/readyz');
      expect(down.status).toBe(503);
      expect(down.body).toContain('ECONNREFUSED');
    });

    it('passes a gRPC probe only when the app reports SERVING for the service', async () => {
      const statuses: Record<string, HealthCheckResponse['status']> = { '': 'SERVING', ratings: 'NOT_SERVING' };
      const server = new grpc.Server();
      server.addService(healthServiceDefinition, {
        Check: (call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: grpc.sendUnaryData<HealthCheckResponse>) => {
          const status = statuses[call.request.service];
          if (status) callback(null, { status });
          else callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        },
      });
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
      );
      cleanups.push(() => void server.forceShutdown());
      const { health } = await startWithHealth({
        'web/livez': { grpc: { port } },
        'web/readyz': { grpc: { port, service: 'ratings' } },
        'web/startupz': { grpc: { port, service: 'missing' } },
      });
      expect(await health('/app-health/web/livez')).toMatchObject({ status: 200, body: 'SERVING\n' });
      expect(await health('/app-health/web/readyz')).toMatchObject({ status: 503, body: 'NOT_SERVING\n' });
      expect((await health('/app-health/web/startupz')).status).toBe(503);
    });

    it('answers 404 for a probe the bootstrap does not name', async () => {
      const { health } = await startWithHealth({ 'web/livez': { tcpSocket: { port: await freePort() } } });
      for (const path of ['/app-health/web/readyz', '/app-health/other/livez', '/app-health/', '/app-health/constructor']) {
        expect((await health(path)).status, path).toBe(404);
      }
    });
  });
});
