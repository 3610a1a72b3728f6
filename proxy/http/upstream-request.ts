import * as http from 'node:http';
import type { Readable } from 'node:stream';
import type { EndpointState } from '../cluster/endpoint-state';
import type { UpstreamCluster } from '../cluster/upstream-cluster';
import type { ConfigSnapshot } from '../config/snapshot';

export type FailureReason = 'connect-failure' | 'reset' | 'timeout' | 'overflow' | 'identity';

export type AttemptResult =
  | { readonly kind: 'response'; readonly response: http.IncomingMessage }
  | { readonly kind: 'failure'; readonly reason: FailureReason; readonly message: string };

export interface AttemptOptions {
  readonly snapshot: ConfigSnapshot;
  readonly cluster: UpstreamCluster;
  readonly endpoint: EndpointState;
  readonly method: string;
  readonly path: string;
  readonly headers: http.OutgoingHttpHeaders;
  readonly body: Buffer | Readable;
  /** Time allowed until response headers; 0 for none. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'ENOTFOUND']);

class AttemptError extends Error {
  constructor(readonly reason: FailureReason, message: string) {
    super(message);
  }
}

/**
 * One HTTP/1.1 attempt on a keep-alive pool. Resolves when response headers arrive or the attempt
 * fails; it never rejects. Waiting for a pooled connection counts as pending (circuit breaking).
 */
export function sendAttempt(options: AttemptOptions): Promise<AttemptResult> {
  const { cluster, endpoint } = options;
  if (!cluster.tryQueue()) {
    return Promise.resolve({ kind: 'failure', reason: 'overflow', message: 'upstream overflow: max_pending_requests reached' });
  }
  return new Promise<AttemptResult>((resolve) => {
    let queued = true;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const dequeue = () => {
      if (!queued) return;
      queued = false;
      cluster.dequeue();
    };
    const settle = (result: AttemptResult) => {
      dequeue();
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const request = http.request({
      host: endpoint.endpoint.host,
      port: endpoint.endpoint.port,
      method: options.method,
      path: options.path,
      headers: options.headers,
      agent: cluster.state.agentFor(cluster.config, options.snapshot.secrets),
      signal: options.signal,
      ...(cluster.config.tls ? { protocol: 'https:' } : {}),
    });
    if (options.timeoutMs > 0) {
      timer = setTimeout(() => request.destroy(new AttemptError('timeout', `no response within ${options.timeoutMs} ms`)), options.timeoutMs);
    }
    request.on('socket', (socket) => {
      dequeue();
      if (!socket.connecting) return;
      const connectTimer = setTimeout(
        () => request.destroy(new AttemptError('connect-failure', `connect timeout after ${cluster.config.connectTimeoutMs} ms`)),
        cluster.config.connectTimeoutMs,
      );
      socket.once('connect', () => clearTimeout(connectTimer));
      socket.once('secureConnect', () => clearTimeout(connectTimer));
      socket.once('close', () => clearTimeout(connectTimer));
    });
    request.on('response', (response) => settle({ kind: 'response', response }));
    request.on('error', (error: NodeJS.ErrnoException) => settle(classify(error)));
    if (Buffer.isBuffer(options.body)) request.end(options.body);
    else options.body.pipe(request);
  });
}

function classify(error: NodeJS.ErrnoException): AttemptResult {
  if (error instanceof AttemptError) return { kind: 'failure', reason: error.reason, message: error.message };
  if (error.code === 'ERR_MESH_IDENTITY_MISMATCH') return { kind: 'failure', reason: 'identity', message: error.message };
  if (error.code && (CONNECT_ERRORS.has(error.code) || error.code.startsWith('ERR_TLS') || error.code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO/.test(error.code))) {
    return { kind: 'failure', reason: 'connect-failure', message: `${error.code}: ${error.message}` };
  }
  return { kind: 'failure', reason: 'reset', message: error.code ? `${error.code}: ${error.message}` : error.message };
}
