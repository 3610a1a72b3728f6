import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { TestCa } from '../../support/certificates';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import {
  certificateSecret,
  cluster,
  endpoints,
  httpListener,
  inboundListener,
  inlineHcm,
  prefix,
  rootCaSecret,
  route,
  routeConfig,
  toCluster,
  virtualHost,
} from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';

/** A gRPC service without a .proto: messages are raw bytes (UTF-8 strings). */
const bytes = { serialize: (value: Buffer) => value, deserialize: (value: Buffer) => value };
const ECHO = {
  Echo: { path: '/test.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: bytes.serialize, requestDeserialize: bytes.deserialize, responseSerialize: bytes.serialize, responseDeserialize: bytes.deserialize },
} satisfies grpc.ServiceDefinition;
const EchoClient = grpc.makeGenericClientConstructor(ECHO, 'Echo');

const h2c = { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': TypeUrl.HttpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } } } };

function h2Get(url: string, options: http2.SecureClientSessionOptions = {}): Promise<{ status: number; body: string; alpn: string | undefined }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, options);
    session.on('error', reject);
    const stream = session.request({ ':path': '/h2', ':authority': 'app' });
    let status = 0;
    let body = '';
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
    stream.on('end', () => {
      const alpn = session.alpnProtocol;
      session.close();
      resolve({ status, body, alpn });
    });
    stream.on('error', reject);
    stream.end();
  });
}

describe('HTTP/2 and gRPC', () => {
  const ca = new TestCa();
  const svid = ca.issue('web');
  let xds: TestXdsServer;
  let proxy: ProxyUnderTest;
  let grpcServer: grpc.Server;
  let app: UpstreamServer;
  let port: number;
  let tlsPort: number;
  let unavailableLeft = 0;
  let h2App: http2.Http2Server;

  beforeAll(async () => {
    // An h2c upstream that answers with the flow-control windows the proxy's session gave it.
    h2App = http2.createServer().on('stream', (stream) => {
      const session = stream.session!;
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ streamWindow: session.remoteSettings.initialWindowSize, connectionWindow: session.state.remoteWindowSize }));
    });
    const h2AppPort = await new Promise<number>((resolve) => h2App.listen(0, '127.0.0.1', () => resolve((h2App.address() as { port: number }).port)));
    grpcServer = new grpc.Server();
    grpcServer.addService(ECHO, {
      Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const text = call.request.toString();
        if (text === 'missing') return callback({ code: grpc.status.NOT_FOUND, details: 'no such thing' });
        if (text === 'flaky' && unavailableLeft > 0) {
          unavailableLeft -= 1;
          return callback({ code: grpc.status.UNAVAILABLE, details: 'warming up' });
        }
        call.sendMetadata(new grpc.Metadata());
        callback(null, Buffer.from(`echo: ${text} (${String(call.metadata.get('x-caller')[0] ?? '')})`));
      },
    });
    const grpcPort = await new Promise<number>((resolve, reject) =>
      grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    app = await UpstreamServer.start('app');
    xds = await TestXdsServer.start();
    xds.set(TypeUrl.Cluster, [cluster('grpc', h2c), cluster('h2app', h2c), cluster('app'), cluster('inbound|80||', { type: 'STATIC', load_assignment: endpoints('inbound|80||', [app.address]) })]);
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('grpc', [`127.0.0.1:${grpcPort}`]), endpoints('h2app', [`127.0.0.1:${h2AppPort}`]), endpoints('app', [app.address])]);
    xds.set(TypeUrl.RouteConfiguration, [
      routeConfig('80', [virtualHost('all', [route(prefix('/test.Echo/', { grpc: {} }), toCluster('grpc', { retry_policy: { retry_on: 'unavailable', num_retries: { value: 2 } } })), route(prefix('/windows'), toCluster('h2app')), route(prefix('/'), toCluster('app'))])]),
    ]);
    xds.set(TypeUrl.Secret, [certificateSecret(svid.cert, svid.key), rootCaSecret(ca.root.cert)]);
    xds.set(TypeUrl.Listener, [
      httpListener('outbound_80', 0, '80'),
      inboundListener('inbound_tls', 0, 'STRICT', inlineHcm('inbound', [virtualHost('in', [route(prefix('/'), toCluster('inbound|80||'))])])),
    ]);
    proxy = await startProxy(xds);
    port = await listenerPort(proxy.proxy, 'outbound_80');
    tlsPort = await listenerPort(proxy.proxy, 'inbound_tls');
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
    await xds.waitForAck(TypeUrl.Secret, '1');
  });

  afterAll(async () => {
    await proxy?.stop();
    grpcServer?.forceShutdown();
    h2App?.close();
    await Promise.all([xds?.stop(), app?.close()]);
    ca.dispose();
  });

  it('accepts HTTP/2 with prior knowledge (h2c) and forwards to an HTTP/1.1 upstream', async () => {
    const response = await h2Get(`http://127.0.0.1:${port}`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).url).toBe('/h2');
  });

  it('opens its HTTP/2 sessions, downstream and upstream, with 1 MB stream windows and a 16 MB connection window', async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      // GIVEN a client session to the proxy, once the proxy's SETTINGS and WINDOW_UPDATE have come
      await new Promise<void>((resolve) => session.once('remoteSettings', () => resolve()));
      const upstream = await new Promise<{ streamWindow: number; connectionWindow: number }>((resolve, reject) => {
        const stream = session.request({ ':path': '/windows', ':authority': 'app' });
        let body = '';
        stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
        stream.on('end', () => resolve(JSON.parse(body)));
        stream.on('error', reject);
        stream.end();
      });
      // THEN both sides of the proxy offer the wider windows
      expect(session.remoteSettings.initialWindowSize).toBe(1024 * 1024);
      expect(session.state.remoteWindowSize).toBeGreaterThan(16 * 1024 * 1024 - 64 * 1024);
      expect(upstream.streamWindow).toBe(1024 * 1024);
      expect(upstream.connectionWindow).toBeGreaterThan(16 * 1024 * 1024 - 64 * 1024);
    } finally {
      session.close();
    }
  });

  it('negotiates HTTP/2 over mTLS with ALPN', async () => {
    const response = await h2Get(`https://127.0.0.1:${tlsPort}`, { ca: ca.root.cert, cert: svid.cert, key: svid.key, checkServerIdentity: () => undefined });
    expect(response.alpn).toBe('h2');
    expect(response.status).toBe(200);
  });

  it('passes gRPC calls through with metadata, and status codes in trailers', async () => {
    const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const call = (text: string) =>
      new Promise<{ error: grpc.ServiceError | null; value: Buffer | undefined }>((resolve) => {
        const metadata = new grpc.Metadata();
        metadata.set('x-caller', 'tester');
        (client as unknown as { Echo: (req: Buffer, md: grpc.Metadata, cb: (error: grpc.ServiceError | null, value?: Buffer) => void) => void }).Echo(
          Buffer.from(text),
          metadata,
          (error, value) => resolve({ error, value }),
        );
      });
    try {
      const ok = await call('hi');
      expect(ok.error).toBeNull();
      expect(ok.value?.toString()).toBe('echo: hi (tester)');
      const missing = await call('missing');
      expect(missing.error?.code).toBe(grpc.status.NOT_FOUND);
      expect(missing.error?.details).toBe('no such thing');
      // The route retries "unavailable" twice: two UNAVAILABLE answers are absorbed, three are not.
      unavailableLeft = 2;
      expect((await call('flaky')).value?.toString()).toBe('echo: flaky (tester)');
      unavailableLeft = 3;
      expect((await call('flaky')).error?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      client.close();
    }
  });
});
