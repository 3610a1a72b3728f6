import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { Logger } from 'pino';
import { uriSans } from '../cluster/upstream-cluster';
import type { FilterChainConfig, HttpConnectionConfig, ListenerConfig } from '../config/listener-config';
import type { ConfigSnapshot } from '../config/snapshot';
import type { ConnectionContext, HttpConnectionManager } from '../http/connection-manager';
import { HTTP2_SETTINGS, widenConnectionWindow } from '../cluster/http2-windows';
import type { Downstream } from '../http/proxy-request';
import { proxyTcp } from '../tcp/tcp-proxy';
import { parserRefusal, refusalOf, refuseConnection, refuseRequest } from './http1-guard';
import { serverSecureContext, sniChooser } from '../tls/secure-contexts';
import { isHttp2Preface, isTlsClientHello, peekFirstChunk, replayingDuplex } from './first-bytes';

export interface ListenerDeps {
  readonly snapshot: () => ConfigSnapshot;
  readonly connections: HttpConnectionManager;
  readonly logger: Logger;
}

const CONTEXT = Symbol('meshform.connection');
/** A client that has not finished its TLS handshake (or sent its first bytes) by then is cut. */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
type TaggedSocket = Duplex & { [CONTEXT]?: ConnectionContext & { active: number; refused: boolean } };

/**
 * One bound listener. Each connection is matched to a filter chain of the listener's current config
 * (STRICT: TLS only; PERMISSIVE: TLS or plaintext by the first byte; DISABLE: plaintext) and handed to
 * HTTP/1.1, HTTP/2 or the TCP proxy. Config changes apply to new connections and new requests; open
 * connections are never cut by them.
 */
export class ListenerRuntime {
  // noDelay as http.Server sets it on sockets it accepts itself: these are accepted here and handed
  // on, and with Nagle a response written after a small unacknowledged one waits for a delayed ACK.
  private readonly server = net.createServer({ pauseOnConnect: false, noDelay: true }, (socket) => this.onConnection(socket));
  private readonly sockets = new Set<TaggedSocket>();
  private readonly h2Sessions = new Set<http2.ServerHttp2Session>();
  private readonly httpServers = new WeakMap<HttpConnectionConfig, { h1: http.Server; h2: http2.Http2Server }>();
  private draining = false;
  /** Resolves a drain once the last connection has closed. */
  private onEmpty: (() => void) | undefined;

  constructor(
    readonly name: string,
    readonly host: string,
    readonly port: number,
    private readonly deps: ListenerDeps,
  ) {}

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get boundPort(): number {
    return (this.server.address() as net.AddressInfo | null)?.port ?? this.port;
  }

  /**
   * Stops accepting; idle connections close now, busy HTTP/1.1 ones after their response
   * ("connection: close"), HTTP/2 ones with GOAWAY. Resolves when all are gone or at the deadline.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.h2Sessions) session.close();
    for (const socket of this.sockets) if ((socket[CONTEXT]?.active ?? 0) === 0) socket.end();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref());
    const emptied = new Promise<void>((resolve) => {
      if (this.sockets.size === 0) resolve();
      else this.onEmpty = resolve;
    });
    await Promise.race([Promise.all([closed, emptied]), deadline]);
    for (const socket of this.sockets) socket.destroy();
  }

  private currentConfig(): ListenerConfig | undefined {
    return this.deps.snapshot().listeners.get(this.name);
  }

  private track(socket: TaggedSocket): void {
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      if (this.sockets.size === 0) this.onEmpty?.();
    });
    socket.on('error', () => socket.destroy());
  }

  private onConnection(socket: net.Socket): void {
    this.track(socket);
    const listener = this.currentConfig();
    if (this.draining || !listener) {
      socket.destroy();
      return;
    }
    const tlsIndex = listener.chains.findIndex((chain) => chain.transportTls === true);
    const plainIndex = listener.chains.findIndex((chain) => chain.transportTls !== true);
    const downstream: Downstream = {
      remoteAddress: socket.remoteAddress ?? '',
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      tls: false,
    };
    // STRICT needs no sniffing: TLS straight on the socket (a plaintext client fails the handshake).
    if (plainIndex < 0) {
      this.startTls(socket, socket, listener, tlsIndex, downstream);
      return;
    }
    const plain = listener.chains[plainIndex]!;
    const needsPeek = tlsIndex >= 0 || (plain.network.kind === 'http' && plain.network.codec === 'AUTO');
    if (!needsPeek) {
      this.dispatch(socket, listener, plainIndex, downstream, undefined);
      return;
    }
    const timeout = plain.network.kind === 'http' ? plain.network.requestHeadersTimeoutMs : TLS_HANDSHAKE_TIMEOUT_MS;
    void peekFirstChunk(socket, timeout).then((chunk) => {
      if (!chunk) {
        socket.destroy();
        return;
      }
      if (isTlsClientHello(chunk) && tlsIndex >= 0) this.startTls(replayingDuplex(socket), socket, listener, tlsIndex, downstream);
      else this.dispatch(socket, listener, plainIndex, downstream, isHttp2Preface(chunk));
    });
  }

  private startTls(transport: Duplex, socket: net.Socket, listener: ListenerConfig, index: number, downstream: Downstream): void {
    const chain = listener.chains[index]!;
    const context = chain.tls ? serverSecureContext(chain.tls, this.deps.snapshot().secrets) : undefined;
    if (!context || !chain.tls) {
      this.deps.logger.warn({ event: 'listener.tls_not_ready', listener: this.name }, 'TLS secrets not available; refusing connection');
      socket.destroy();
      return;
    }
    const requireCert = chain.tls.requireClientCertificate;
    const choose = sniChooser(chain.tls, this.deps.snapshot().secrets);
    const secure = new tls.TLSSocket(transport, {
      isServer: true,
      secureContext: context,
      ...(choose ? { SNICallback: choose } : {}),
      // A chain without a trust bundle (a gateway's public host) asks for no client certificate.
      requestCert: requireCert || chain.tls.validationSecret !== undefined,
      rejectUnauthorized: requireCert,
      ALPNProtocols: chain.network.kind === 'http' ? alpnFor(chain.network) : chain.tls.alpn.length ? [...chain.tls.alpn] : undefined,
    }) as tls.TLSSocket & TaggedSocket;
    this.track(secure);
    const timer = setTimeout(() => secure.destroy(), TLS_HANDSHAKE_TIMEOUT_MS);
    secure.once('secure', () => {
      clearTimeout(timer);
      // Node's tls.Server clears this flag in its own 'secure' handler; a standalone server socket
      // keeps it set, and an HTTP/2 session would then wait for a 'secureConnect' that never comes.
      (secure as tls.TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
      // A standalone server TLSSocket never sets `authorized`; with require_client_certificate the
      // handshake itself rejected unverified peers, so only then is the certificate an identity.
      const identity = requireCert ? uriSans(secure.getPeerCertificate())[0] : undefined;
      const tlsDownstream: Downstream = { ...downstream, tls: true, ...(identity ? { peerIdentity: identity } : {}) };
      this.dispatch(secure, listener, index, tlsDownstream, secure.alpnProtocol === 'h2');
    });
    secure.once('close', () => {
      clearTimeout(timer);
      socket.destroy();
    });
  }

  private dispatch(socket: TaggedSocket, listener: ListenerConfig, index: number, downstream: Downstream, http2Hint: boolean | undefined): void {
    const chain: FilterChainConfig = listener.chains[index]!;
    if (chain.network.kind === 'tcp') {
      proxyTcp(socket, chain.network, this.deps.snapshot(), this.deps.logger);
      return;
    }
    const network = chain.network;
    const useHttp2 = network.codec === 'HTTP2' || (network.codec === 'AUTO' && http2Hint === true);
    // Slow clients: the first request's headers must arrive in time (Node enforces its own
    // headersTimeout only on servers it listens with, and these servers are handed connections).
    const headersTimer = useHttp2 ? undefined : setTimeout(() => socket.destroy(), network.requestHeadersTimeoutMs);
    socket.once('close', () => clearTimeout(headersTimer));
    const context = {
      listenerName: this.name,
      transportTls: downstream.tls,
      chain: network,
      downstream,
      active: 0,
      refused: false,
      requestOpened: () => {
        clearTimeout(headersTimer);
        context.active += 1;
      },
      requestClosed: () => {
        context.active -= 1;
        if (this.draining && context.active === 0 && !useHttp2) socket.end();
      },
    };
    socket[CONTEXT] = context;
    const servers = this.serversFor(network);
    (useHttp2 ? servers.h2 : servers.h1).emit('connection', socket);
    // The HTTP/1.1 parser reads the stream; a peeked socket was paused with its first bytes put back.
    if (!useHttp2) socket.resume();
  }

  private serversFor(network: HttpConnectionConfig): { h1: http.Server; h2: http2.Http2Server } {
    const existing = this.httpServers.get(network);
    if (existing) return existing;
    // keepAliveTimeout is the HCM idle timeout: how long a connection may sit with no request.
    // llhttp counts the request-target, field names and values, and refuses a count that reaches
    // maxHeaderSize: one more lets exactly max_request_headers_kb through, as Envoy does.
    const h1 = http.createServer({ maxHeaderSize: network.maxRequestHeadersBytes + 1, keepAliveTimeout: network.idleTimeoutMs, requireHostHeader: false }, (req, res) => {
      const context = (req.socket as TaggedSocket)[CONTEXT];
      if (!context) {
        res.destroy();
        return;
      }
      // Requests pipelined behind a refused one die with its connection, unanswered.
      if (context.refused) return;
      const refusal = refusalOf(req, network);
      if (refusal) {
        context.refused = true;
        this.deps.logger.debug({ event: 'http.request_refused', listener: this.name, code: refusal.code, reason: refusal.reason }, 'request refused');
        refuseRequest(res, refusal);
        return;
      }
      context.requestOpened();
      this.deps.connections.handleHttp1(req, res, context);
    });
    // One more than allowed, so that a request over the limit is seen (and refused) rather than cut short.
    h1.maxHeadersCount = network.maxHeadersCount + 1;
    h1.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      const refusal = parserRefusal(error);
      if (refusal) this.deps.logger.debug({ event: 'http.request_refused', listener: this.name, code: refusal.code, reason: refusal.reason }, 'request refused');
      refuseConnection(socket, refusal);
    });
    // Streams are taken from each session (no 'request' listener: that would turn on Node's
    // compatibility layer and its two extra objects per request).
    const h2 = http2.createServer({ maxSessionMemory: 64, settings: { ...HTTP2_SETTINGS, maxHeaderListSize: network.maxRequestHeadersBytes } });
    h2.on('session', (session) => {
      const context = (session.socket as TaggedSocket)[CONTEXT];
      widenConnectionWindow(session);
      this.h2Sessions.add(session);
      session.once('close', () => this.h2Sessions.delete(session));
      session.setTimeout(network.idleTimeoutMs, () => session.close());
      session.on('stream', (stream, headers) => {
        if (!context) {
          stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
          return;
        }
        context.requestOpened();
        this.deps.connections.handleHttp2(stream, headers, context);
      });
      if (this.draining) session.close();
    });
    h2.on('sessionError', () => undefined);
    const servers = { h1, h2 };
    this.httpServers.set(network, servers);
    return servers;
  }
}

function alpnFor(network: HttpConnectionConfig): string[] {
  switch (network.codec) {
    case 'HTTP1':
      return ['http/1.1'];
    case 'HTTP2':
      return ['h2'];
    case 'AUTO':
      return ['h2', 'http/1.1'];
  }
}
