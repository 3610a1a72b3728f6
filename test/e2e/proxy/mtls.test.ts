import { X509Certificate } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { TestCa } from '../../support/certificates';
import { request } from '../../support/http-client';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import {
  certificateSecret,
  cluster,
  endpoints,
  httpFilter,
  httpListener,
  withAccessLogs,
  inboundListener,
  inlineHcm,
  prefix,
  rootCaSecret,
  route,
  routeConfig,
  toCluster,
  upstreamMtls,
  virtualHost,
} from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';

describe('mTLS between sidecars', () => {
  const ca = new TestCa();
  const web = ca.issue('web');
  const reviews = ca.issue('reviews');
  const intruder = ca.issue('intruder');
  let app: UpstreamServer;
  let serverXds: TestXdsServer;
  let clientXds: TestXdsServer;
  let server: ProxyUnderTest;
  let client: ProxyUnderTest;
  let strictPort: number;
  let permissivePort: number;
  let outboundPort: number;

  beforeAll(async () => {
    app = await UpstreamServer.start('reviews-app');
    serverXds = await TestXdsServer.start();
    const local = cluster('inbound|80||', { type: 'STATIC', load_assignment: endpoints('inbound|80||', [app.address]) });
    const toApp = [virtualHost('inbound', [route(prefix('/'), toCluster('inbound|80||'))])];
    const onlyWeb = httpFilter('envoy.filters.http.rbac', TypeUrl.Rbac, {
      rules: { action: 'ALLOW', policies: { web: { permissions: [{ any: true }], principals: [{ authenticated: { principal_name: { exact: web.spiffeId } } }] } } },
    });
    serverXds.set(TypeUrl.Cluster, [local]);
    serverXds.set(TypeUrl.Secret, [certificateSecret(reviews.cert, reviews.key), rootCaSecret(ca.root.cert)]);
    serverXds.set(TypeUrl.Listener, [
      withAccessLogs(inboundListener('inbound_strict', 0, 'STRICT', inlineHcm('inbound|80||', toApp, [onlyWeb]))),
      withAccessLogs(inboundListener('inbound_permissive', 0, 'PERMISSIVE', inlineHcm('inbound|80||', toApp, [], { forward_client_cert_details: 'SANITIZE_SET' }))),
    ]);
    server = await startProxy(serverXds, { node: { id: 'sidecar~127.0.0.1~reviews.default~default.svc.cluster.local', cluster: 'reviews', metadata: { WORKLOAD: 'reviews' } } });
    strictPort = await listenerPort(server.proxy, 'inbound_strict');
    permissivePort = await listenerPort(server.proxy, 'inbound_permissive');
    await serverXds.waitForAck(TypeUrl.Secret, '1');

    clientXds = await TestXdsServer.start();
    clientXds.set(TypeUrl.Cluster, [
      cluster('strict', { transport_socket: upstreamMtls(reviews.spiffeId) }),
      cluster('permissive', { transport_socket: upstreamMtls(reviews.spiffeId) }),
      cluster('impostor', { transport_socket: upstreamMtls('spiffe://cluster.local/ns/default/sa/ratings') }),
    ]);
    clientXds.set(TypeUrl.ClusterLoadAssignment, [
      endpoints('strict', [`127.0.0.1:${strictPort}`]),
      endpoints('permissive', [`127.0.0.1:${permissivePort}`]),
      endpoints('impostor', [`127.0.0.1:${strictPort}`]),
    ]);
    clientXds.set(TypeUrl.Secret, [certificateSecret(web.cert, web.key), rootCaSecret(ca.root.cert)]);
    clientXds.set(TypeUrl.RouteConfiguration, [
      routeConfig('80', [
        virtualHost('reviews', [
          route(prefix('/permissive'), toCluster('permissive')),
          route(prefix('/impostor'), toCluster('impostor')),
          route(prefix('/'), toCluster('strict')),
        ]),
      ]),
    ]);
    clientXds.set(TypeUrl.Listener, [httpListener('outbound_80', 0, '80')]);
    client = await startProxy(clientXds);
    outboundPort = await listenerPort(client.proxy, 'outbound_80');
    await clientXds.waitForAck(TypeUrl.Secret, '1');
    await clientXds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
  });

  afterAll(async () => {
    await client?.stop();
    await server?.stop();
    await Promise.all([clientXds?.stop(), serverXds?.stop(), app?.close()]);
    ca.dispose();
  });

  it('carries a call over mTLS and hands the caller identity to the inbound side', async () => {
    const response = await request(outboundPort, '/hello');
    expect(response.status).toBe(200);
    const inbound = server.logs.find((l) => l['event'] === 'access' && l['path'] === '/hello');
    expect(inbound?.['downstream_peer_identity']).toBe(web.spiffeId);
    expect(JSON.parse(response.body).headers['x-forwarded-proto']).toBe('https');
  });

  it('never passes on a forged x-forwarded-client-cert, and sets the verified one where asked', async () => {
    const forged = { 'x-forwarded-client-cert': 'URI=spiffe://cluster.local/ns/default/sa/admin' };
    const strict = JSON.parse((await request(outboundPort, '/xfcc', { headers: forged })).body).headers;
    expect(strict['x-forwarded-client-cert']).toBeUndefined();
    const plain = JSON.parse((await request(permissivePort, '/xfcc', { headers: forged })).body).headers;
    expect(plain['x-forwarded-client-cert']).toBeUndefined();
    const viaMtls = JSON.parse((await request(outboundPort, '/permissive/xfcc', { headers: forged })).body).headers;
    expect(viaMtls['x-forwarded-client-cert']).toBe(`URI=${web.spiffeId}`);
  });

  it('refuses plaintext under STRICT', async () => {
    await expect(request(strictPort, '/plain')).rejects.toThrow();
    expect(app.received.some((r) => r.url === '/plain')).toBe(false);
  });

  it('refuses a TLS client without a certificate under STRICT', async () => {
    const failure = await new Promise<string>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: strictPort, ca: ca.root.cert, checkServerIdentity: () => undefined }, () => {
        socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
      });
      socket.on('data', (data) => resolve(`answered: ${data.toString().slice(0, 20)}`));
      socket.on('error', (error) => resolve(`error: ${error.message}`));
      socket.on('close', () => resolve('closed'));
    });
    expect(failure).not.toMatch(/^answered/);
  });

  it('refuses an upstream whose SPIFFE identity is not the destination', async () => {
    const response = await request(outboundPort, '/impostor');
    expect(response.status).toBe(503);
    expect(response.headers['x-meshform-error']).toBe('UPSTREAM_IDENTITY_MISMATCH');
  });

  it('denies with 403 a verified caller that authorization does not allow', async () => {
    const response = await new Promise<number>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: strictPort, path: '/x', cert: intruder.cert, key: intruder.key, ca: ca.root.cert, checkServerIdentity: () => undefined }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(response).toBe(403);
  });

  it('accepts both plaintext and mTLS under PERMISSIVE', async () => {
    expect((await request(permissivePort, '/plain-ok')).status).toBe(200);
    expect((await request(outboundPort, '/permissive')).status).toBe(200);
    const viaTls = server.logs.find((l) => l['event'] === 'access' && l['path'] === '/permissive');
    expect(viaTls?.['downstream_peer_identity']).toBe(web.spiffeId);
  });

  it('rotates certificates under load without a failed request', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    let stop = false;
    const statuses: number[] = [];
    const load = Array.from({ length: 8 }, async () => {
      while (!stop) statuses.push((await request(outboundPort, '/load', { agent })).status);
    });
    let latest = reviews;
    for (let round = 0; round < 3; round++) {
      latest = ca.issue('reviews');
      const next = ca.issue('web');
      const serverVersion = serverXds.set(TypeUrl.Secret, [certificateSecret(latest.cert, latest.key), rootCaSecret(ca.root.cert)]);
      const clientVersion = clientXds.set(TypeUrl.Secret, [certificateSecret(next.cert, next.key), rootCaSecret(ca.root.cert)]);
      await serverXds.waitForAck(TypeUrl.Secret, serverVersion);
      await clientXds.waitForAck(TypeUrl.Secret, clientVersion);
      const before = statuses.length;
      while (statuses.length < before + 20) await new Promise((resolve) => setImmediate(resolve));
    }
    stop = true;
    await Promise.all(load);
    agent.destroy();
    expect(statuses.length).toBeGreaterThan(60);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // New connections see the newest certificate.
    const serial = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: strictPort, cert: web.cert, key: web.key, ca: ca.root.cert, checkServerIdentity: () => undefined }, () => {
        resolve(socket.getPeerCertificate().serialNumber);
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(serial).toBe(new X509Certificate(latest.cert).serialNumber);
  });
});
