import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../../lib/telemetry';
import { TypeUrl } from '../../../lib/xds';
import { request } from '../../support/http-client';
import { listenerPort, startProxy, type ProxyUnderTest } from '../../support/proxy-harness';
import { cluster, endpoints, httpListener, prefix, route, routeConfig, toCluster, virtualHost } from '../../support/xds-resources';
import { TestXdsServer } from '../../support/xds-test-server';

const h2c = { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': TypeUrl.HttpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } } } };
/** Any 5xx or gateway failure would eject the endpoint at once: a replay must not count as one. */
const strictOutlier = { outlier_detection: { consecutive_5xx: { value: 1 }, consecutive_gateway_failure: { value: 1 }, base_ejection_time: { seconds: '60' } } };

/** The keep-alive timeout of the edge upstream: far below the proxy pool's 4 s idle timeout. */
const KEEP_ALIVE_MS = 15;

interface Upstream {
  readonly address: string;
  /** Requests whose head the upstream read, by method. */
  readonly seen: Map<string, number>;
  /** Requests it answered. */
  answered: number;
  /** Closes its idle keep-alive connections now. */
  closeIdle(): void;
  close(): Promise<void>;
}

async function listen(server: http.Server | http2.Http2Server, seen: Map<string, number>, sockets: Set<Socket>): Promise<Omit<Upstream, 'answered' | 'closeIdle'>> {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An HTTP/1.1 upstream. `edge`: it closes a connection idle for KEEP_ALIVE_MS and, like Go or
 * nginx, announces no Keep-Alive timeout (the explicit Connection header suppresses Node's hint),
 * so the proxy's pool keeps the connection for its own 4 s. `drop-reused`: it closes a connection
 * when a second request arrives on it, unanswered — the outcome of that race, every time.
 */
async function http1Upstream(kind: 'edge' | 'drop-reused'): Promise<Upstream> {
  const seen = new Map<string, number>();
  const served = new WeakSet<Socket>();
  const upstream = { answered: 0 } as Upstream;
  const server = http.createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
    seen.set(req.method!, (seen.get(req.method!) ?? 0) + 1);
    if (kind === 'drop-reused' && served.has(req.socket)) {
      req.socket.destroy();
      return;
    }
    served.add(req.socket);
    req.resume();
    req.once('end', () => {
      upstream.answered += 1;
      res.writeHead(200, { connection: 'keep-alive', 'content-length': 2 }).end('ok');
    });
  });
  return Object.assign(upstream, await listen(server, seen, new Set()), { closeIdle: () => server.closeIdleConnections() });
}

/**
 * An h2c upstream. `refuse`: the first stream for each path is refused (RST_STREAM REFUSED_STREAM). `goaway`:
 * each session answers its first stream, then sends GOAWAY naming that one as the last it
 * processes, so the next stream (already on the wire) is refused by it.
 */
async function http2Upstream(kind: 'refuse' | 'goaway'): Promise<Upstream> {
  const seen = new Map<string, number>();
  const upstream = { answered: 0 } as Upstream;
  const refused = new Set<string>();
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const method = String(headers[':method']);
    stream.on('error', () => undefined);
    const path = String(headers[':path']);
    if (kind === 'refuse' && !refused.has(path)) {
      refused.add(path);
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    if (kind === 'goaway' && (stream.id ?? 0) > 1) {
      stream.session?.goaway(http2.constants.NGHTTP2_NO_ERROR, 1);
      return;
    }
    seen.set(method, (seen.get(method) ?? 0) + 1);
    upstream.answered += 1;
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  return Object.assign(upstream, await listen(server, seen, new Set()), { closeIdle: () => undefined });
}

/** A keep-alive HTTP/1.1 client on one raw socket: a request's bytes are written before `get` returns. */
class KeepAliveClient {
  private buffered = '';
  private waiting: ((status: number) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      const headEnd = this.buffered.indexOf('\r\n\r\n');
      if (headEnd < 0 || !this.waiting) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(this.buffered.slice(0, headEnd))?.[1] ?? 0);
      if (this.buffered.length < headEnd + 4 + length) return;
      const status = Number(this.buffered.slice(9, 12));
      this.buffered = this.buffered.slice(headEnd + 4 + length);
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve(status);
    });
  }

  static connect(port: number): Promise<KeepAliveClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new KeepAliveClient(socket)));
      socket.once('error', reject);
    });
  }

  get(path: string): Promise<number> {
    const answer = new Promise<number>((resolve) => (this.waiting = resolve));
    this.socket.write(`GET ${path} HTTP/1.1\r\nhost: upstream\r\n\r\n`);
    return answer;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An address nothing listens on (a port just released): connecting to it is refused. */
async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise((resolve) => server.close(resolve));
  return address;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('requests that never reached the upstream are sent again, without a retry policy', () => {
  let xds: TestXdsServer;
  let proxy: ProxyUnderTest;
  let port: number;
  let refusedAddress: string;
  const upstreams: Record<string, Upstream> = {};
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  beforeAll(async () => {
    upstreams['edge'] = await http1Upstream('edge');
    upstreams['drop'] = await http1Upstream('drop-reused');
    upstreams['refuse'] = await http2Upstream('refuse');
    upstreams['goaway'] = await http2Upstream('goaway');
    upstreams['stream'] = await http1Upstream('drop-reused');
    upstreams['policy'] = await http1Upstream('drop-reused');
    upstreams['twin'] = await http1Upstream('edge');
    refusedAddress = await closedPort();
    xds = await TestXdsServer.start();
    xds.set(TypeUrl.Cluster, [
      cluster('edge', strictOutlier),
      cluster('drop', strictOutlier),
      cluster('refuse', { ...h2c, ...strictOutlier }),
      cluster('goaway', { ...h2c, ...strictOutlier }),
      cluster('stream'),
      cluster('policy'),
      cluster('half-dead'),
      cluster('dead'),
    ]);
    xds.set(TypeUrl.ClusterLoadAssignment, [
      ...Object.entries(upstreams).map(([name, u]) => endpoints(name, [u.address])),
      endpoints('half-dead', [refusedAddress, upstreams['twin']!.address]),
      endpoints('dead', [refusedAddress]),
    ]);
    const retry = { retry_policy: { retry_on: 'connect-failure', num_retries: { value: 1 } } };
    xds.set(TypeUrl.RouteConfiguration, [
      routeConfig('80', [
        virtualHost('all', [
          ...['edge', 'drop', 'refuse', 'goaway', 'half-dead', 'dead'].map((name) => route(prefix(`/${name}`), toCluster(name))),
          // A retry policy holds bodies up to 1 MiB for replay; a larger one streams.
          route(prefix('/stream'), toCluster('stream', retry)),
          route(prefix('/policy'), toCluster('policy', retry)),
        ]),
      ]),
    ]);
    xds.set(TypeUrl.Listener, [httpListener('outbound_80', 0, '80')]);
    proxy = await startProxy(xds);
    port = await listenerPort(proxy.proxy, 'outbound_80');
    await xds.waitForAck(TypeUrl.ClusterLoadAssignment, '1');
  });

  afterAll(async () => {
    agent.destroy();
    await proxy?.stop();
    await xds?.stop();
    await Promise.all(Object.values(upstreams).map((u) => u.close()));
  });

  const get = (path: string) => request(port, path, { agent });

  async function replays(cause: string, clusterName: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${proxy.proxy.adminPort}/stats/prometheus`)).text();
    return parsePrometheusText(text)
      .filter((s) => s.name === 'meshform_upstream_replays_total' && s.labels['cause'] === cause && s.labels['cluster'] === clusterName)
      .reduce((sum, s) => sum + s.value, 0);
  }

  const ejections = (name: string) => proxy.proxy.snapshot.clusters.get(name)!.members[0]!.ejections;

  it(`loses no request to an upstream closing idle connections after ${KEEP_ALIVE_MS} ms, hit at that edge`, async () => {
    const edge = upstreams['edge']!;
    const statuses: number[] = [];
    // Sequential requests, each sent about when the upstream's idle timer for the last connection fires.
    for (let i = 0; i < 100; i++) {
      statuses.push((await get(`/edge/${i}`)).status);
      await sleep(KEEP_ALIVE_MS - 2 + (i % 5));
    }
    // Timers alone rarely put the upstream's close and the request in one turn of the proxy's event
    // loop, so the test also lands requests exactly on the edge: each is written to the proxy and,
    // in the same tick, the upstream's idle connections close, as when its timer fires just then.
    const clients = await Promise.all(Array.from({ length: 8 }, () => KeepAliveClient.connect(port)));
    try {
      for (let i = 0; i < 50; i++) {
        const answer = clients[0]!.get(`/edge/s${i}`);
        edge.closeIdle();
        statuses.push(await answer);
      }
      for (let burst = 0; burst < 20; burst++) {
        const answers = clients.map((client, j) => client.get(`/edge/b${burst}-${j}`));
        edge.closeIdle();
        statuses.push(...(await Promise.all(answers)));
      }
    } finally {
      for (const client of clients) client.close();
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(edge.answered).toBe(statuses.length);
    expect(await replays('stale-connection', 'edge')).toBeGreaterThanOrEqual(50);
    expect(ejections('edge')).toBe(0);
  });

  it('sends a request again on a fresh connection when its pooled one is closed as it arrives', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await get(`/drop/${i}`)).status);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // Every request after the first met a dead pooled connection, once each: no request was answered twice.
    expect(upstreams['drop']!.answered).toBe(40);
    expect(await replays('stale-connection', 'drop')).toBe(39);
    expect(ejections('drop')).toBe(0);
  });

  it('sends a stream an HTTP/2 upstream refused again, and counts no outlier failure', async () => {
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => get(`/refuse/${i}`).then((r) => r.status)));
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(upstreams['refuse']!.answered).toBe(40);
    expect(await replays('refused-stream', 'refuse')).toBe(40);
    expect(ejections('refuse')).toBe(0);
  });

  it('sends a stream beyond an HTTP/2 GOAWAY last stream id again, on a new session', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await get(`/goaway/${i}`)).status);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(upstreams['goaway']!.answered).toBe(20);
    // Each session answers one stream and refuses the next: every request after the first was refused once.
    expect(await replays('refused-stream', 'goaway')).toBe(19);
    expect(ejections('goaway')).toBe(0);
  });

  it('never sends a streamed body twice: a POST larger than the replay buffer fails instead', async () => {
    expect((await get('/stream/warm')).status).toBe(200);
    const body = 'x'.repeat(1024 * 1024 + 1);
    const answer = await request(port, '/stream/upload', { method: 'POST', body, agent });
    expect(answer.status).toBe(502);
    expect(upstreams['stream']!.seen.get('POST')).toBe(1);
    expect(await replays('stale-connection', 'stream')).toBe(0);
  });

  it('never sends a POST again without a retry policy: its body streams, and it may have been applied', async () => {
    expect((await get('/drop/warm')).status).toBe(200);
    const before = upstreams['drop']!.seen.get('POST') ?? 0;
    const answer = await request(port, '/drop/form', { method: 'POST', body: 'a=1', agent });
    expect(answer.status).toBe(502);
    expect(upstreams['drop']!.seen.get('POST')! - before).toBe(1);
  });

  it('sends a buffered POST again where the route has a retry policy', async () => {
    expect((await get('/policy/warm')).status).toBe(200);
    const answer = await request(port, '/policy/form', { method: 'POST', body: 'a=1', agent });
    expect(answer.status).toBe(200);
    expect(await replays('stale-connection', 'policy')).toBe(1);
  });

  it('sends a request an endpoint refused to connect to on to another endpoint, whatever its method', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => request(port, `/half-dead/${i}`, { agent, method: i % 2 ? 'GET' : 'DELETE' })));
    expect(answers.map((a) => a.status).filter((status) => status !== 200)).toEqual([]);
    expect(upstreams['twin']!.answered).toBe(20);
    expect(await replays('connection-refused', 'half-dead')).toBeGreaterThan(0);
  });

  it('answers 503 when the only endpoint refuses: sending it there again would only repeat the refusal', async () => {
    expect((await get('/dead/1')).status).toBe(503);
    expect(await replays('connection-refused', 'dead')).toBe(0);
  });
});
