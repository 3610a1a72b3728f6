/**
 * The floor: the leanest pass-through proxy Node allows, with no mesh feature at all, so the
 * benchmark shows what Node itself costs for the same two hops and the same mTLS as the other
 * pairs. One process per role, started by bench/proxy-floor.ts from an esbuild bundle with plain
 * `node`, as a sidecar starts:
 *
 *   node floor-proxy.js '<FloorConfig as JSON>'
 *
 * outbound: HTTP/1.1 and h2c in, mTLS out (a keep-alive pool; one HTTP/2 session);
 * inbound: mTLS in (client certificate required), HTTP/1.1 and h2c out to the application.
 * Prints "ready" once both ports listen.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
// The sidecar's own HTTP/2 windows (1 MB per stream, 16 MB per session instead of 64 KB): one
// session carries every stream between the two proxies, and the floor must not be held back by
// flow control the sidecar does not have.
import { HTTP2_SETTINGS as H2_SETTINGS, widenConnectionWindow as widenWindow } from '../proxy/cluster/http2-windows';

interface Endpoint {
  readonly host: string;
  readonly http1Port: number;
  readonly h2Port: number;
}

export interface FloorConfig {
  /** outbound: plaintext in, mTLS out; inbound: mTLS in, plaintext out. */
  readonly role: 'outbound' | 'inbound';
  readonly listen: Endpoint;
  readonly upstream: Endpoint;
  /** PEM files of the throwaway CA (bench/support/throwaway-ca.ts); `serverName` is the inbound's certificate name. */
  readonly tls: { readonly ca: string; readonly cert: string; readonly key: string; readonly serverName: string };
}

/** Idle keep-alive connections stay open between the benchmark's rounds (HAProxy's `timeout client 60s`). */
const KEEP_ALIVE_MS = 60_000;

function main(): void {
  const config = JSON.parse(process.argv[2] ?? '') as FloorConfig;
  const { listen, upstream, role } = config;
  const tls: SecureContextOptions = { ca: readFileSync(config.tls.ca), cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) };
  const servers = [];
  if (role === 'outbound') {
    // node:https with a keep-alive Agent, the client the sidecar itself uses (proxy/cluster/
    // upstream-cluster.ts): the floor then prices the same Node machinery, not a faster client.
    // undici's Pool could be cheaper per request; it has not been measured here.
    // One SecureContext, as the sidecar's pools: PEM strings in an Agent's options are concatenated
    // into its pool name on every request.
    const agent = new https.Agent({ secureContext: createSecureContext(tls), keepAlive: true, servername: config.tls.serverName });
    servers.push(http.createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, forwardHttp1((options, answer) => https.request({ ...options, agent, host: upstream.host, port: upstream.http1Port, servername: config.tls.serverName }, answer))));
    servers.push(http2.createServer({ settings: H2_SETTINGS }).on('session', widenWindow).on('stream', forwardH2(() => http2.connect(`https://${upstream.host}:${upstream.h2Port}`, { ...tls, servername: config.tls.serverName, settings: H2_SETTINGS }))));
  } else {
    const agent = new http.Agent({ keepAlive: true });
    const mtls = { ...tls, requestCert: true, rejectUnauthorized: true };
    servers.push(https.createServer({ ...mtls, ALPNProtocols: ['http/1.1'], keepAliveTimeout: KEEP_ALIVE_MS }, forwardHttp1((options, answer) => http.request({ ...options, agent, host: upstream.host, port: upstream.http1Port }, answer))));
    servers.push(http2.createSecureServer({ ...mtls, ALPNProtocols: ['h2'], settings: H2_SETTINGS }).on('session', widenWindow).on('stream', forwardH2(() => http2.connect(`http://${upstream.host}:${upstream.h2Port}`, { settings: H2_SETTINGS }))));
  }
  const ports = [listen.http1Port, listen.h2Port];
  let listening = 0;
  servers.forEach((server, i) => server.listen(ports[i], listen.host, () => ++listening === servers.length && console.log('ready')));
}

type Http1Request = (options: http.RequestOptions, answer: (response: http.IncomingMessage) => void) => http.ClientRequest;

/** HTTP/1.1: each request goes upstream over a pooled keep-alive connection, status, headers and body as they are. */
function forwardHttp1(request: Http1Request): http.RequestListener {
  return (req, res) => {
    const upstream = request({ method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      // The head leaves with the first body chunk in one write, as the sidecar sends it (the pipe
      // starts flowing on a tick queued before this uncork).
      const socket = res.socket;
      socket?.cork();
      process.nextTick(() => socket?.uncork());
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(upstream);
  };
}

/**
 * HTTP/2 with the core stream API (no compatibility layer): every stream goes upstream on one
 * long-lived session, opened again if it closes.
 */
function forwardH2(connect: () => http2.ClientHttp2Session): (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void {
  let session: http2.ClientHttp2Session | undefined;
  const open = () => {
    if (session && !session.closed && !session.destroyed) return session;
    const opened = connect();
    opened.once('connect', () => widenWindow(opened));
    opened.on('error', () => {});
    opened.once('close', () => session === opened && (session = undefined));
    return (session = opened);
  };
  return (stream, headers) => {
    const upstream = open().request(headers, { endStream: stream.endAfterHeaders });
    upstream.on('response', (answer) => {
      // The client may have reset its stream meanwhile; respond() on it would throw.
      if (stream.destroyed) return void upstream.close(http2.constants.NGHTTP2_CANCEL);
      stream.respond(answer);
      upstream.pipe(stream);
    });
    upstream.on('error', () => {
      if (stream.destroyed) return;
      if (stream.headersSent) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      else stream.respond({ ':status': 502 }, { endStream: true });
    });
    stream.on('error', () => upstream.close(http2.constants.NGHTTP2_CANCEL));
    if (!stream.endAfterHeaders) stream.pipe(upstream);
  };
}

main();
