import { randomBytes } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { combineHashes, hash32 } from '../cluster/hash';
import type { EndpointState } from '../cluster/endpoint-state';
import type { UpstreamCluster } from '../cluster/upstream-cluster';
import { applyHeaderMutations, type HeaderMutation } from '../config/header-mutation';
import type { ClusterAction, HashPolicy, MatchedRoute, PathRewrite, RedirectAction, WeightedClusterEntry } from '../config/route-table';
import { ErrorCode } from '../errors';
import type { ProxyMetrics } from '../telemetry/metrics';
import { Cancellation } from './cancellation';
import type { Handler } from './filter';
import { forwardableHeaders } from './hop-by-hop';
import type { ProxyRequest } from './proxy-request';
import type { ProxyResponse } from './proxy-response';
import { readBody, type RequestBody } from './request-body';
import { ResponseFlag } from './response-flags';
import { isRetriable, retryBackoffMs } from './retry-decision';
import { sendAttempt, type FailureReason, type ReplayCause, type UpstreamResponse } from './upstream-request';

export interface RouterServices {
  readonly logger: Logger;
  readonly metrics: ProxyMetrics;
}

/** Bodies up to this size are kept in memory so retries and mirrors can resend them. */
const REPLAY_LIMIT_BYTES = 1024 * 1024;
/**
 * Sends of a request that never reached the upstream (stale pooled connection, refused stream), on
 * top of any retry policy: two, as a burst after an idle spell can meet two dead connections.
 */
const MAX_REPLAYS = 2;
const EMPTY_BODY = Buffer.alloc(0);
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** A mirror that has not answered by then is abandoned (it never holds the caller anyway). */
const MIRROR_TIMEOUT_MS = 30_000;

/** The terminal handler (envoy.filters.http.router): routes, retries, times out and streams back. */
export function createRouter(services: RouterServices): Handler {
  return async (req, res) => {
    const matched = req.route;
    if (!matched) {
      req.flags.add(ResponseFlag.NoRoute);
      res.localReply(404, ErrorCode.NoRoute, `no route matched ${req.method} ${req.authority}${req.pathname}`);
      return;
    }
    const action = matched.route.action;
    switch (action.kind) {
      case 'direct':
        sendDirect(res, action.status, action.body, responseMutations(matched));
        return;
      case 'redirect':
        sendDirect(res, action.status, '', responseMutations(matched), { location: redirectLocation(req, action) });
        return;
      case 'cluster':
        await forward(req, res, matched, action, services);
        return;
    }
  };
}

function responseMutations(matched: MatchedRoute, entry?: WeightedClusterEntry): HeaderMutation[] {
  const list = [matched.virtualHost.responseHeaders, matched.route.responseHeaders];
  if (entry) list.push(entry.responseHeaders);
  return list;
}

function sendDirect(res: ProxyResponse, status: number, body: string, mutations: HeaderMutation[], extra: OutgoingHttpHeaders = {}): void {
  const payload = Buffer.from(body);
  const headers: OutgoingHttpHeaders = { ...extra, 'content-length': payload.length };
  if (payload.length > 0) headers['content-type'] = 'text/plain; charset=utf-8';
  applyHeaderMutations(headers, mutations);
  res.writeHead(status, headers);
  res.end(payload);
}

export function rewritePath(path: string, rewrite: PathRewrite | undefined): string {
  if (!rewrite) return path;
  const queryAt = path.indexOf('?');
  const pathname = queryAt < 0 ? path : path.slice(0, queryAt);
  const query = queryAt < 0 ? '' : path.slice(queryAt);
  if (rewrite.prefix) return rewrite.prefix.to + pathname.slice(rewrite.prefix.from.length) + query;
  if (rewrite.regex) return pathname.replace(rewrite.regex.pattern, rewrite.regex.substitution) + query;
  return path;
}

export function redirectLocation(req: ProxyRequest, action: RedirectAction): string {
  const scheme = action.scheme ?? req.scheme;
  const [authorityHost, authorityPort] = splitAuthority(req.authority);
  const host = action.host ?? authorityHost;
  const defaultPort = scheme === 'https' ? 443 : 80;
  // Envoy drops the original port when the scheme changes, unless a port is given.
  const port = action.port ?? (action.scheme && action.scheme !== req.scheme ? undefined : authorityPort);
  const portPart = port && port !== defaultPort ? `:${port}` : '';
  let path = action.path ?? rewritePath(req.path, action.rewrite);
  if (action.path && !action.path.includes('?') && req.path.includes('?')) path += req.path.slice(req.path.indexOf('?'));
  if (action.stripQuery && path.includes('?')) path = path.slice(0, path.indexOf('?'));
  return `${scheme}://${host}${portPart}${path}`;
}

function splitAuthority(authority: string): [string, number | undefined] {
  const match = /^(.*?)(?::(\d+))?$/.exec(authority);
  return [match?.[1] ?? authority, match?.[2] ? Number(match[2]) : undefined];
}

function pickWeighted(action: ClusterAction): WeightedClusterEntry {
  if (action.clusters.length === 1) return action.clusters[0]!;
  let point = Math.random() * action.totalWeight;
  for (const entry of action.clusters) {
    point -= entry.weight;
    if (point < 0) return entry;
  }
  return action.clusters[action.clusters.length - 1]!;
}

/** The request's consistent-hash key, and a Set-Cookie to send when a sticky cookie was generated. */
function requestHash(req: ProxyRequest, policies: readonly HashPolicy[]): { hash: number | undefined; setCookie: string | undefined } {
  let hash: number | undefined;
  let setCookie: string | undefined;
  for (const policy of policies) {
    let key: string | undefined;
    switch (policy.kind) {
      case 'header':
        key = req.header(policy.name);
        break;
      case 'cookie':
        key = req.cookie(policy.name);
        if (key === undefined && policy.ttlMs !== undefined) {
          key = randomBytes(8).toString('hex');
          setCookie = `${policy.name}="${key}"; Max-Age=${Math.floor(policy.ttlMs / 1000)}${policy.path ? `; Path=${policy.path}` : ''}; HttpOnly`;
        }
        break;
      case 'query':
        key = req.query.get(policy.name) ?? undefined;
        break;
      case 'source_ip':
        key = req.downstream.remoteAddress;
        break;
    }
    if (key === undefined) continue;
    const value = hash32(key);
    hash = hash === undefined ? value : combineHashes(hash, value);
    if (policy.terminal) break;
  }
  return { hash, setCookie };
}

function upstreamHeaders(req: ProxyRequest, matched: MatchedRoute, entry: WeightedClusterEntry): OutgoingHttpHeaders {
  const headers = forwardableHeaders(req.headers);
  headers['x-request-id'] = req.id;
  headers['x-forwarded-proto'] = req.scheme;
  applyHeaderMutations(headers, [matched.virtualHost.requestHeaders, matched.route.requestHeaders, entry.requestHeaders]);
  return headers;
}

const FAILURE_REPLY: Record<FailureReason, [number, ErrorCode, ResponseFlag, string]> = {
  'connect-failure': [503, ErrorCode.UpstreamConnectFailure, ResponseFlag.UpstreamConnectionFailure, 'upstream connect error'],
  identity: [503, ErrorCode.UpstreamIdentityMismatch, ResponseFlag.UpstreamConnectionFailure, 'upstream identity mismatch'],
  reset: [502, ErrorCode.UpstreamReset, ResponseFlag.UpstreamConnectionReset, 'upstream reset before response'],
  'refused-stream': [503, ErrorCode.UpstreamReset, ResponseFlag.UpstreamConnectionReset, 'upstream refused the stream'],
  timeout: [504, ErrorCode.UpstreamTimeout, ResponseFlag.UpstreamRequestTimeout, 'upstream request timeout'],
  overflow: [503, ErrorCode.UpstreamOverflow, ResponseFlag.UpstreamOverflow, 'upstream overflow'],
};

/** Everything one forwarded request needs while it tries endpoints; built once per request. */
interface Forwarding {
  readonly req: ProxyRequest;
  readonly res: ProxyResponse;
  readonly cluster: UpstreamCluster;
  readonly action: ClusterAction;
  readonly path: string;
  readonly authority: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body: RequestBody;
  readonly responseMutations: HeaderMutation[];
  /** Epoch ms by which the whole response must be complete (route timeout), or Infinity. */
  readonly deadline: number;
  /** Cancelled when the downstream goes before its response is complete. */
  readonly cancel: Cancellation;
  readonly services: RouterServices;
}

async function forward(req: ProxyRequest, res: ProxyResponse, matched: MatchedRoute, action: ClusterAction, services: RouterServices): Promise<void> {
  const entry = pickWeighted(action);
  req.cluster = entry.name;
  const cluster = req.snapshot.clusters.get(entry.name);
  if (!cluster) {
    req.flags.add(ResponseFlag.NoClusterFound);
    res.localReply(503, ErrorCode.NoCluster, `cluster ${entry.name} not found`);
    return;
  }
  if (!cluster.tryStartRequest()) {
    req.flags.add(ResponseFlag.UpstreamOverflow);
    res.localReply(503, ErrorCode.UpstreamOverflow, `upstream overflow: ${entry.name} reached max_requests`);
    return;
  }
  try {
    const replayable = action.retry !== undefined || action.mirrors.length > 0;
    const body: RequestBody = replayable
      ? await readBody(req.body, REPLAY_LIMIT_BYTES, req.hasBody)
      : { kind: 'streaming', stream: req.body };
    const forwarding: Forwarding = {
      req,
      res,
      cluster,
      action,
      path: rewritePath(req.path, action.rewrite),
      authority: action.hostRewrite ?? req.authority,
      headers: upstreamHeaders(req, matched, entry),
      body,
      responseMutations: responseMutations(matched, entry),
      deadline: action.timeoutMs > 0 ? Date.now() + action.timeoutMs : Infinity,
      cancel: res.cancellation,
      services,
    };
    if (body.kind === 'buffered') {
      for (const mirror of action.mirrors) if (Math.random() < mirror.fraction) shadow(forwarding, mirror.cluster, body.data);
    }
    await attemptLoop(forwarding);
  } finally {
    cluster.endRequest();
  }
}

/** Tries endpoints until one answers acceptably, retries allow no more, or the route times out. */
async function attemptLoop(f: Forwarding): Promise<void> {
  const { req, res, cluster } = f;
  const policy = f.body.kind === 'buffered' ? f.action.retry : undefined;
  const { hash, setCookie } = requestHash(req, f.action.hashPolicies);
  const tried = new Set<EndpointState>();
  let replays = 0;
  for (let retry = 0; ; ) {
    const endpoint = cluster.config.originalDestinationHeader
      ? cluster.originalDestination(req.header(cluster.config.originalDestinationHeader))
      : cluster.pick(hash, tried);
    if (!endpoint) {
      req.flags.add(ResponseFlag.NoHealthyUpstream);
      res.localReply(503, ErrorCode.NoHealthyUpstream, `no healthy upstream in ${cluster.name}`);
      return;
    }
    tried.add(endpoint);
    req.upstreamHost = endpoint.address;
    req.upstreamAttempts += 1;
    const timeoutMs = Math.min(f.deadline - Date.now(), policy?.perTryTimeoutMs ?? Infinity);
    // In flight until its response has been relayed or thrown away: least request balances on this.
    endpoint.active += 1;
    try {
      const result = await sendAttempt({
        snapshot: req.snapshot,
        cluster,
        endpoint,
        method: req.method,
        path: f.path,
        authority: f.authority,
        scheme: req.scheme,
        headers: f.headers,
        // A replayed bodiless request sends nothing (its stream was read by the first attempt).
        body: f.body.kind === 'buffered' ? f.body.data : replays > 0 ? EMPTY_BODY : f.body.stream,
        timeoutMs: Number.isFinite(timeoutMs) ? Math.max(1, timeoutMs) : 0,
        cancel: f.cancel,
      });
      if (f.cancel.cancelled) {
        if (result.kind === 'response') result.response.discard();
        return;
      }
      const replay = result.kind === 'failure' && result.replay && replays < MAX_REPLAYS && mayReplay(f, result.replay, tried) ? result.replay : undefined;
      // A refused connection is the endpoint's doing (outlier detection counts it, as Envoy's does); a stale connection or a refused stream is not.
      if (replay !== 'stale-connection' && replay !== 'refused-stream' && !(result.kind === 'failure' && result.reason === 'overflow')) {
        cluster.recordOutcome(endpoint, result.kind === 'response' ? { kind: 'response', status: result.response.statusCode } : { kind: 'local-failure' });
      }
      if (replay && result.kind === 'failure') {
        replays += 1;
        replayed(f, endpoint, replay, result.message);
        continue;
      }
      const routeTimedOut = result.kind === 'failure' && result.reason === 'timeout' && Date.now() >= f.deadline;
      if (policy && !routeTimedOut && retry < policy.numRetries && isRetriable(policy, result)) {
        if (result.kind === 'response') result.response.discard();
        if (await backOff(f, retry++)) continue;
        if (f.cancel.cancelled) return;
        req.flags.add(ResponseFlag.UpstreamRetryLimitExceeded);
      }
      if (result.kind === 'failure') {
        const [status, code, flag, text] = FAILURE_REPLY[result.reason];
        req.flags.add(flag);
        res.localReply(status, code, `${text}: ${result.message}`);
        return;
      }
      await relayResponse(f, result.response, setCookie);
      return;
    } finally {
      endpoint.active -= 1;
    }
  }
}

/**
 * Whether a request that never reached the upstream may be sent again, outside any retry policy:
 * within the route timeout, its body still held (none, or buffered whole: a streamed body is
 * consumed), and after a stale HTTP/1.1 connection, whose request bytes may have reached the peer,
 * an idempotent method (RFC 9110 §9.2.2) unless the route retries anyway. A refused stream was not
 * processed, and a refused connection carried nothing: any method, but on another endpoint.
 */
function mayReplay(f: Forwarding, cause: ReplayCause, tried: ReadonlySet<EndpointState>): boolean {
  if ((f.body.kind === 'streaming' && f.req.hasBody) || Date.now() >= f.deadline) return false;
  // Refused again at once by the same endpoint would only repeat itself: only another one may take it.
  if (cause === 'connection-refused') return f.cluster.members.some((member) => !tried.has(member));
  return cause === 'refused-stream' || IDEMPOTENT_METHODS.has(f.req.method) || f.action.retry !== undefined;
}

/**
 * Counts and logs a replay. A stale pooled connection means the pool's other idle connections to
 * that endpoint are older still (it reuses the most recent first): they are closed, so the replay
 * opens a fresh one. Outlier detection is not told: the endpoint did nothing wrong.
 */
function replayed(f: Forwarding, endpoint: EndpointState, cause: ReplayCause, message: string): void {
  const cluster = f.cluster;
  if (cause === 'stale-connection') cluster.state.closeIdleConnections(endpoint.endpoint.host, endpoint.endpoint.port);
  f.services.metrics.replays.inc({ cluster: cluster.name, cause });
  f.services.logger.debug({ event: 'upstream.replayed', cluster: cluster.name, upstream: endpoint.address, cause, requestId: f.req.id, reason: message }, 'request sent again: it never reached the upstream');
}

/**
 * Waits the jittered backoff before a retry, if the retry budget (or max_retries) and the route
 * deadline allow one; false when no retry may happen.
 */
async function backOff(f: Forwarding, retry: number): Promise<boolean> {
  const backoff = retryBackoffMs(f.action.retry!, retry);
  if (Date.now() + backoff >= f.deadline || !f.cluster.tryStartRetry()) return false;
  f.services.metrics.retries.inc({ cluster: f.cluster.name });
  try {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        f.cancel.unwatch(done);
        resolve();
      };
      const timer = setTimeout(done, backoff);
      f.cancel.watch(done);
    });
  } finally {
    f.cluster.endRetry();
  }
  return !f.cancel.cancelled;
}

/**
 * Streams the upstream response back, trailers included (gRPC status travels in them). The route
 * timeout covers the whole response: past it the stream is reset, as Envoy does once headers are out.
 */
function relayResponse(f: Forwarding, response: UpstreamResponse, setCookie: string | undefined): Promise<void> {
  const { res } = f;
  const headers = forwardableHeaders(response.headers);
  applyHeaderMutations(headers, f.responseMutations);
  if (setCookie) headers['set-cookie'] = [...[headers['set-cookie'] ?? []].flat().map(String), setCookie];
  const body = response.body;
  // A gRPC "trailers-only" answer (its status in the headers, no body) stays one: the caller's
  // proxy retries on the status only in that form, as Envoy does.
  if (headers['grpc-status'] !== undefined) {
    res.headersOnly(response.statusCode, headers);
    return new Promise((resolve) => {
      body.once('end', resolve);
      body.once('error', resolve);
      body.resume();
    });
  }
  res.writeHead(response.statusCode, headers);
  return new Promise((resolve) => {
    const fail = () => {
      clearTimeout(timer);
      response.discard();
      res.raw.destroy();
      resolve();
    };
    const timer = Number.isFinite(f.deadline)
      ? setTimeout(() => {
          f.req.flags.add(ResponseFlag.UpstreamRequestTimeout);
          fail();
        }, Math.max(0, f.deadline - Date.now()))
      : undefined;
    body.on('data', (chunk: Buffer) => {
      if (!res.write(chunk)) {
        body.pause();
        res.raw.once('drain', () => body.resume());
      }
    });
    body.once('end', () => {
      clearTimeout(timer);
      const trailers = forwardableHeaders(response.trailers());
      if (Object.keys(trailers).length > 0) res.addTrailers(trailers);
      res.end();
      resolve();
    });
    body.once('error', fail);
    body.once('aborted', fail);
  });
}

/** Sends a copy to a mirror cluster. Fire and forget: its answer and its errors never reach the caller. */
function shadow(f: Forwarding, clusterName: string, body: Buffer): void {
  const cluster = f.req.snapshot.clusters.get(clusterName);
  const endpoint = cluster?.pick(undefined);
  if (!cluster || !endpoint) return;
  const [host, port] = splitAuthority(f.authority);
  sendAttempt({
    snapshot: f.req.snapshot,
    cluster,
    endpoint,
    method: f.req.method,
    path: f.path,
    authority: `${host}-shadow${port ? `:${port}` : ''}`,
    scheme: f.req.scheme,
    headers: f.headers,
    body,
    timeoutMs: MIRROR_TIMEOUT_MS,
    cancel: mirrorCancellation(),
  }).then((result) => {
    if (result.kind === 'response') result.response.discard();
    else f.services.logger.debug({ event: 'mirror.failed', cluster: clusterName, reason: result.message }, 'mirror request failed');
  });
}

/** A mirror is cut once MIRROR_TIMEOUT_MS have passed, whether or not its answer has started. */
function mirrorCancellation(): Cancellation {
  const cancel = new Cancellation();
  setTimeout(() => cancel.cancel(), MIRROR_TIMEOUT_MS).unref();
  return cancel;
}
