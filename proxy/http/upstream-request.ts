import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { EndpointState } from '../cluster/endpoint-state';
import type { UpstreamCluster } from '../cluster/upstream-cluster';
import type { ConfigSnapshot } from '../config/snapshot';
import type { Cancellation } from './cancellation';

export type FailureReason = 'connect-failure' | 'reset' | 'refused-stream' | 'timeout' | 'overflow' | 'identity';

/**
 * Why a failed attempt never reached the upstream application, so the request may be sent again
 * without a retry policy: a pooled connection the upstream had already closed (its keep-alive
 * timeout raced the reuse), or a stream HTTP/2 refused (REFUSED_STREAM, or beyond a GOAWAY's last
 * stream id: RFC 9113 §8.7 guarantees it was not processed), or a connection the endpoint refused
 * (a draining or dead instance whose endpoint removal has not arrived yet: nothing was sent, and
 * another endpoint may take the request, as Linkerd's balancer does).
 */
export type ReplayCause = 'stale-connection' | 'refused-stream' | 'connection-refused';

/** An upstream answer, the same for HTTP/1.1 and HTTP/2: status, headers, body and trailers. */
export interface UpstreamResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
  /** The trailers, complete once the body has ended (gRPC status travels here). */
  trailers(): IncomingHttpHeaders;
  /** Throws the answer away (a retried attempt). */
  discard(): void;
}

export type AttemptResult =
  | { readonly kind: 'response'; readonly response: UpstreamResponse }
  | { readonly kind: 'failure'; readonly reason: FailureReason; readonly message: string; readonly replay?: ReplayCause };

export interface AttemptOptions {
  readonly snapshot: ConfigSnapshot;
  readonly cluster: UpstreamCluster;
  readonly endpoint: EndpointState;
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: 'http' | 'https';
  /** Headers to send, without Host (the authority is sent as Host or :authority). */
  readonly headers: http.OutgoingHttpHeaders;
  readonly body: Buffer | Readable;
  /** Time allowed until response headers; 0 for none. */
  readonly timeoutMs: number;
  /** Cancels the exchange, its response body included, for as long as it watches nothing else. */
  readonly cancel: Cancellation;
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'ENOTFOUND']);

class AttemptError extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One attempt on the cluster's pool: HTTP/1.1 keep-alive connections, or a multiplexed HTTP/2
 * session. Resolves when response headers arrive or the attempt fails; it never rejects. Waiting
 * for a connection counts as pending (circuit breaking).
 */
export function sendAttempt(options: AttemptOptions): Promise<AttemptResult> {
  if (!options.cluster.tryQueue()) {
    return Promise.resolve({ kind: 'failure', reason: 'overflow', message: 'upstream overflow: max_pending_requests reached' });
  }
  return options.cluster.config.http2 ? sendHttp2(options) : sendHttp1(options);
}

/** Settles an attempt once, releasing its pending slot and timer. */
function settler(options: AttemptOptions, resolve: (result: AttemptResult) => void) {
  let queued = true;
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const dequeue = () => {
    if (!queued) return;
    queued = false;
    options.cluster.dequeue();
  };
  return {
    dequeue,
    arm(onTimeout: () => void) {
      if (options.timeoutMs > 0) timer = setTimeout(onTimeout, options.timeoutMs);
    },
    settle(result: AttemptResult) {
      dequeue();
      clearTimeout(timer);
      if (settled) {
        if (result.kind === 'response') result.response.discard();
        return;
      }
      settled = true;
      resolve(result);
    },
  };
}

function sendHttp1(options: AttemptOptions): Promise<AttemptResult> {
  const { cluster, endpoint } = options;
  return new Promise<AttemptResult>((resolve) => {
    const attempt = settler(options, resolve);
    const request = http.request({
      host: endpoint.endpoint.host,
      port: endpoint.endpoint.port,
      method: options.method,
      path: options.path,
      headers: rawHeaders(options.headers, options.authority),
      agent: cluster.state.agentFor(cluster.config, options.snapshot.secrets),
      ...(cluster.config.tls ? { protocol: 'https:' } : {}),
    });
    options.cancel.watch(() => request.destroy());
    attempt.arm(() => request.destroy(new AttemptError('timeout', `no response within ${options.timeoutMs} ms`)));
    request.on('socket', (socket) => {
      attempt.dequeue();
      // Its last request: the socket closes once the response is read instead of going back to the pool.
      if (cluster.state.countRequest(socket, cluster.config)) request.shouldKeepAlive = false;
      if (!socket.connecting) return;
      const connectTimer = setTimeout(
        () => request.destroy(new AttemptError('connect-failure', `connect timeout after ${cluster.config.connectTimeoutMs} ms`)),
        cluster.config.connectTimeoutMs,
      );
      const clear = () => clearTimeout(connectTimer);
      socket.once('connect', clear);
      socket.once('close', clear);
    });
    request.on('response', (response) =>
      attempt.settle({
        kind: 'response',
        response: {
          statusCode: response.statusCode ?? 502,
          headers: response.headers,
          body: response,
          trailers: () => response.trailers,
          discard: () => response.resume(),
        },
      }),
    );
    // A reused keep-alive socket that fails before any response byte was closed by the upstream
    // while idle (it settles here only before 'response'; later errors belong to the body).
    request.on('error', (error: NodeJS.ErrnoException) =>
      attempt.settle(request.reusedSocket && isConnectionLoss(error) ? staleConnection(error) : classify(error)),
    );
    if (Buffer.isBuffer(options.body)) request.end(options.body);
    else options.body.pipe(request);
  });
}

function sendHttp2(options: AttemptOptions): Promise<AttemptResult> {
  const { cluster, endpoint } = options;
  return new Promise<AttemptResult>((resolve) => {
    const attempt = settler(options, resolve);
    let session: http2.ClientHttp2Session;
    try {
      session = cluster.state.sessionFor(cluster.config, options.snapshot.secrets, endpoint.endpoint.host, endpoint.endpoint.port);
    } catch (error) {
      attempt.settle(classify(error as NodeJS.ErrnoException));
      return;
    }
    const reused = !session.connecting;
    if (!reused) {
      // Until the session is up its errors are this attempt's (its stream is not on the wire yet);
      // once up, a failing session ends its streams and each stream settles its own attempt.
      const onSessionError = (error: NodeJS.ErrnoException) => attempt.settle(classify(error));
      const connectTimer = setTimeout(
        () => session.destroy(new AttemptError('connect-failure', `connect timeout after ${cluster.config.connectTimeoutMs} ms`)),
        cluster.config.connectTimeoutMs,
      );
      session.once('error', onSessionError);
      session.once('connect', () => {
        clearTimeout(connectTimer);
        session.off('error', onSessionError);
        attempt.dequeue();
      });
    } else {
      attempt.dequeue();
    }
    const stream = session.request(
      {
        ...options.headers,
        [http2.constants.HTTP2_HEADER_METHOD]: options.method,
        [http2.constants.HTTP2_HEADER_PATH]: options.path,
        [http2.constants.HTTP2_HEADER_AUTHORITY]: options.authority,
        [http2.constants.HTTP2_HEADER_SCHEME]: options.scheme,
      },
    );
    options.cancel.watch(() => stream.close(http2.constants.NGHTTP2_CANCEL));
    // Its last stream: the session takes no more and closes once its streams finish.
    if (cluster.state.countRequest(session, cluster.config)) cluster.state.retireSession(session, stream);
    attempt.arm(() => stream.close(http2.constants.NGHTTP2_CANCEL));
    let trailers: IncomingHttpHeaders = {};
    stream.once('trailers', (received) => (trailers = received));
    stream.once('response', (headers) => {
      attempt.settle({
        kind: 'response',
        response: {
          statusCode: Number(headers[http2.constants.HTTP2_HEADER_STATUS] ?? 502),
          headers,
          body: stream,
          trailers: () => trailers,
          discard: () => stream.close(http2.constants.NGHTTP2_CANCEL),
        },
      });
    });
    stream.once('close', () => {
      if (stream.rstCode === http2.constants.NGHTTP2_CANCEL && !options.cancel.cancelled) {
        attempt.settle({ kind: 'failure', reason: 'timeout', message: `no response within ${options.timeoutMs} ms` });
      } else if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) {
        attempt.settle(REFUSED_STREAM);
      } else {
        attempt.settle({ kind: 'failure', reason: 'reset', message: `stream closed before response (code ${stream.rstCode ?? 0})` });
      }
    });
    // A refused stream errors before it closes: it is still a refusal, not a reset.
    stream.on('error', (error: NodeJS.ErrnoException) =>
      attempt.settle(
        stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM
          ? REFUSED_STREAM
          : reused && isConnectionLoss(error)
            ? staleConnection(error)
            : classify(error),
      ),
    );
    // A GET's stream is opened with its writable side already ended: an empty chunk would be a write after end.
    if (Buffer.isBuffer(options.body)) stream.end(options.body.length > 0 ? options.body : undefined);
    else options.body.pipe(stream);
  });
}

/**
 * Headers as Node's flat list, Host (the authority) included: ClientRequest writes a list as it
 * is, where an object goes through setHeader one header at a time into a map of its own first.
 */
function rawHeaders(headers: http.OutgoingHttpHeaders, authority: string): string[] {
  const list: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) list.push(name, item);
    else list.push(name, typeof value === 'string' ? value : String(value));
  }
  list.push('host', authority);
  return list;
}

const REFUSED_STREAM: AttemptResult = { kind: 'failure', reason: 'refused-stream', message: 'upstream refused the stream', replay: 'refused-stream' };

/** The connection went away under the request (closed or reset by the peer), as opposed to a timeout or TLS failure. */
function isConnectionLoss(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ECONNRESET' || error.code === 'EPIPE';
}

function staleConnection(error: NodeJS.ErrnoException): AttemptResult {
  return { kind: 'failure', reason: 'reset', message: `pooled connection closed by the upstream: ${error.code}: ${error.message}`, replay: 'stale-connection' };
}

function classify(error: NodeJS.ErrnoException): AttemptResult {
  if (error instanceof AttemptError) return { kind: 'failure', reason: error.reason, message: error.message };
  if (error.code === 'ERR_MESH_IDENTITY_MISMATCH') return { kind: 'failure', reason: 'identity', message: error.message };
  if (error.code === 'ECONNREFUSED') return { kind: 'failure', reason: 'connect-failure', message: `${error.code}: ${error.message}`, replay: 'connection-refused' };
  if (error.code && (CONNECT_ERRORS.has(error.code) || error.code.startsWith('ERR_TLS') || error.code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO/.test(error.code))) {
    return { kind: 'failure', reason: 'connect-failure', message: `${error.code}: ${error.message}` };
  }
  return { kind: 'failure', reason: 'reset', message: error.code ? `${error.code}: ${error.message}` : error.message };
}
