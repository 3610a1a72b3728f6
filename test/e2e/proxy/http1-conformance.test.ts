import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../../lib/xds';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { UpstreamServer } from '../../support/upstream-server';
import { cluster, endpoints, httpListener, inboundListener, inlineHcm, prefix, route, routeConfig, toCluster, virtualHost } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';

/** Sends raw bytes, collects everything until the proxy closes the connection (or 3 s of silence: not closed). */
function raw(port: number, payload: string): Promise<{ response: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(payload));
    let response = '';
    socket.setTimeout(3_000, () => {
      socket.destroy();
      resolve({ response, closed: false });
    });
    socket.on('data', (chunk) => (response += chunk.toString('latin1')));
    socket.on('close', () => resolve({ response, closed: true }));
    socket.on('error', () => undefined);
  });
}

// Below the 16 KiB that Node's default lets the test upstream take, so the proxy's limit is the one met.
const HEADER_LIMIT_KB = 12;
const MAX_HEADERS = 20;
const URL_LIMIT = 8 * 1024;
// The requests that must pass ask for the connection to close after them (raw() then returns at once).
/** A request whose headers are `bytes` long as max_request_headers_kb counts them: request-target, field names and values. */
function headOfSize(bytes: number): string {
  const counted = '/'.length + 'Host'.length + 'app'.length + 'Connection'.length + 'close'.length + 'X-Pad'.length;
  return `GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\nX-Pad: ${'a'.repeat(bytes - counted)}\r\n\r\n`;
}
const withHeaders = (count: number) => `GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n${Array.from({ length: count - 2 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`;
const withUrl = (length: number) => `GET /${'u'.repeat(length - 1)} HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n`;
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: app\r\n\r\n';

/** Each case: a request that must be refused with `status`, its connection closed, nothing sent upstream. */
const REFUSED: { name: string; payload: string; status: number; code: string }[] = [
  { name: 'Content-Length with Transfer-Encoding', payload: `POST / HTTP/1.1\r\nHost: app\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: 400, code: 'DOWNSTREAM_PROTOCOL_ERROR' },
  { name: 'two differing Content-Lengths', payload: `POST / HTTP/1.1\r\nHost: app\r\nContent-Length: 0\r\nContent-Length: 39\r\n\r\n${SMUGGLED}`, status: 400, code: 'DOWNSTREAM_PROTOCOL_ERROR' },
  { name: 'a negative Content-Length', payload: `POST / HTTP/1.1\r\nHost: app\r\nContent-Length: -1\r\n\r\n${SMUGGLED}`, status: 400, code: 'DOWNSTREAM_PROTOCOL_ERROR' },
  { name: 'a non-numeric Content-Length', payload: `POST / HTTP/1.1\r\nHost: app\r\nContent-Length: 1e2\r\n\r\n${SMUGGLED}`, status: 400, code: 'DOWNSTREAM_PROTOCOL_ERROR' },
  { name: 'an obs-fold header line', payload: `GET / HTTP/1.1\r\nHost: app\r\nX-Folded: a\r\n b\r\n\r\n`, status: 400, code: 'DOWNSTREAM_PROTOCOL_ERROR' },
  { name: 'a non-hex chunk size', payload: `POST / HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, status: 400, code: 'DOWNSTREAM_PROTOCOL_ERROR' },
  { name: 'an overflowing chunk size', payload: `POST / HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\n1${'0'.repeat(16)}\r\nhello\r\n0\r\n\r\n`, status: 400, code: 'DOWNSTREAM_PROTOCOL_ERROR' },
  { name: 'a Transfer-Encoding whose last coding is not chunked', payload: `POST / HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: 400, code: 'DOWNSTREAM_PROTOCOL_ERROR' },
  { name: 'a transfer coding other than chunked', payload: `POST / HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, status: 501, code: 'TRANSFER_CODING_NOT_IMPLEMENTED' },
  { name: `a header section over max_request_headers_kb (${HEADER_LIMIT_KB} KiB + 1 byte)`, payload: headOfSize(HEADER_LIMIT_KB * 1024 + 1), status: 431, code: 'REQUEST_HEADERS_TOO_LARGE' },
  { name: `more than max_headers_count (${MAX_HEADERS}) headers`, payload: withHeaders(MAX_HEADERS + 1) + SMUGGLED, status: 431, code: 'REQUEST_HEADERS_TOO_LARGE' },
  { name: 'a request-target over the limit (8 KiB + 1 byte)', payload: withUrl(URL_LIMIT + 1), status: 414, code: 'URI_TOO_LONG' },
  { name: 'a request-target over the header limit too', payload: withUrl(HEADER_LIMIT_KB * 1024 + 1), status: 414, code: 'URI_TOO_LONG' },
];

/** The limits themselves are allowed: these reach the upstream. */
const ACCEPTED: { name: string; payload: string }[] = [
  { name: `a header section of exactly ${HEADER_LIMIT_KB} KiB`, payload: headOfSize(HEADER_LIMIT_KB * 1024) },
  { name: `exactly ${MAX_HEADERS} headers`, payload: withHeaders(MAX_HEADERS) },
  { name: 'a request-target of exactly 8 KiB', payload: withUrl(URL_LIMIT) },
];

describe('HTTP/1.1 request smuggling and limits on the listeners', () => {
  let xds: TestXdsServer;
  let proxy: ProxyUnderTest;
  let app: UpstreamServer;
  const ports: Record<string, number> = {};
  const limits = { max_request_headers_kb: { value: HEADER_LIMIT_KB }, common_http_protocol_options: { max_headers_count: { value: MAX_HEADERS } } };

  beforeAll(async () => {
    app = await UpstreamServer.start('app');
    xds = await TestXdsServer.start();
    xds.set(TypeUrl.Cluster, [cluster('app'), cluster('inbound|80||', { type: 'STATIC', load_assignment: endpoints('inbound|80||', [app.address]) })]);
    xds.set(TypeUrl.ClusterLoadAssignment, [endpoints('app', [app.address])]);
    xds.set(TypeUrl.RouteConfiguration, [routeConfig('80', [virtualHost('app', [route(prefix('/'), toCluster('app'))])])]);
    xds.set(TypeUrl.Listener, [
      httpListener('outbound_80', 0, '80', [], limits),
      inboundListener('inbound_80', 0, 'PERMISSIVE', inlineHcm('inbound|80||', [virtualHost('inbound', [route(prefix('/'), toCluster('inbound|80||'))])], [], limits)),
    ]);
    proxy = await startProxy(xds);
    ports['outbound'] = await listenerPort(proxy.proxy, 'outbound_80');
    ports['inbound'] = await listenerPort(proxy.proxy, 'inbound_80');
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([xds?.stop(), app?.close()]);
  });

  for (const direction of ['outbound', 'inbound']) {
    for (const { name, payload, status, code } of REFUSED) {
      it(`${direction}: answers ${status} to ${name}, closes the connection and forwards nothing`, async () => {
        const before = app.received.length;
        const { response, closed } = await raw(ports[direction]!, payload)
        expect(response).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
        expect(response.toLowerCase()).toContain(`x-meshform-error: ${code.toLowerCase()}`);
        expect(response.toLowerCase()).toContain('connection: close');
        expect(closed).toBe(true);
        // One answer only: nothing after it was read as a request of its own.
        expect(response.match(/^HTTP\/1\.1 \d{3} /gm)).toHaveLength(1);
        expect(app.received.slice(before)).toEqual([]);
      });
    }

    for (const { name, payload } of ACCEPTED) {
      it(`${direction}: forwards ${name}`, async () => {
        const { response } = await raw(ports[direction]!, payload);
        expect(response).toMatch(/^HTTP\/1\.1 200 /);
      });
    }
  }
});
