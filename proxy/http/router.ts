import type { OutgoingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { combineHashes, hash32 } from '../cluster/hash';
import type { EndpointState } from '../cluster/endpoint-state';
import type { UpstreamCluster } from '../cluster/upstream-cluster';
import { applyHeaderMutations, type HeaderMutation } from '../config/header-mutation';
import type { ClusterAction, HashPolicy, MatchedRoute, PathRewrite, RedirectAction, WeightedClusterEntry } from '../config/route-table';
import { ErrorCode } from '../errors';
import type { ProxyMetrics } from '../telemetry/metrics';
import type { Handler } from './filter';
import { forwardableHeaders } from './hop-by-hop';
import type { ProxyRequest } from './proxy-request';
import type { ProxyResponse } from './proxy-response';
import { readBody, type RequestBody } from './request-body';
import { ResponseFlag } from './response-flags';
import { isRetriable, retryBackoffMs } from './retry-decision';
import { sendAttempt, type AttemptResult, type FailureReason, type UpstreamResponse } from './upstream-request';

export interface RouterServices {
  readonly logger: Logger;
  readonly metrics: ProxyMetrics;
}

/** Bodies up to this size are kept in memory so retries and mirrors can resend them. */
const REPLAY_LIMIT_BYTES = 1024 * 1024;

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

function requestHash(req: ProxyRequest, policies: readonly HashPolicy[]): number | undefined {
  let hash: number | undefined;
  for (const policy of policies) {
    let key: string | undefined;
    switch (policy.kind) {
      case 'header':
        key = req.header(policy.name);
        break;
      case 'cookie':
        key = req.cookie(policy.name);
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
  return hash;
}

function hasBody(req: ProxyRequest): boolean {
  if (req.protocol === 'HTTP/2') return !req.body.readableEnded;
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
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
  const abort = new AbortController();
  const onDownstreamClose = () => {
    if (!res.raw.writableFinished) {
      req.flags.add(ResponseFlag.DownstreamConnectionTermination);
      abort.abort();
    }
  };
  res.raw.once('close', onDownstreamClose);
  try {
    const replayable = action.retry !== undefined || action.mirrors.length > 0;
    const body: RequestBody = replayable
      ? await readBody(req.body, REPLAY_LIMIT_BYTES, hasBody(req))
      : { kind: 'streaming', stream: req.body };
    const path = rewritePath(req.path, action.rewrite);
    const headers = upstreamHeaders(req, matched, entry);
    if (body.kind === 'buffered') {
      for (const mirror of action.mirrors) {
        if (Math.random() < mirror.fraction) shadow(req, mirror.cluster, path, action.hostRewrite ?? req.authority, headers, body.data, services.logger);
      }
    }
    await attemptLoop(req, res, cluster, action, path, headers, body, abort.signal, matched, entry, services);
  } finally {
    res.raw.off('close', onDownstreamClose);
    cluster.endRequest();
  }
}

async function attemptLoop(
  req: ProxyRequest,
  res: ProxyResponse,
  cluster: UpstreamCluster,
  action: ClusterAction,
  path: string,
  headers: OutgoingHttpHeaders,
  body: RequestBody,
  signal: AbortSignal,
  matched: MatchedRoute,
  entry: WeightedClusterEntry,
  services: RouterServices,
): Promise<void> {
  const deadline = action.timeoutMs > 0 ? Date.now() + action.timeoutMs : Infinity;
  const policy = body.kind === 'buffered' ? action.retry : undefined;
  const hash = requestHash(req, action.hashPolicies);
  const tried = new Set<EndpointState>();
  for (let retry = 0; ; retry++) {
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
    const remaining = deadline - Date.now();
    const perTry = policy?.perTryTimeoutMs ?? Infinity;
    const timeoutMs = Math.min(remaining, perTry);
    endpoint.active += 1;
    let result: AttemptResult;
    try {
      result = await sendAttempt({
        snapshot: req.snapshot,
        cluster,
        endpoint,
        method: req.method,
        path,
        authority: action.hostRewrite ?? req.authority,
        scheme: req.scheme,
        headers,
        body: body.kind === 'buffered' ? body.data : body.stream,
        timeoutMs: Number.isFinite(timeoutMs) ? Math.max(1, timeoutMs) : 0,
        signal,
      });
    } finally {
      endpoint.active -= 1;
    }
    if (signal.aborted) {
      if (result.kind === 'response') result.response.discard();
      return;
    }
    if (!(result.kind === 'failure' && result.reason === 'overflow')) {
      cluster.recordOutcome(endpoint, result.kind === 'response' ? { kind: 'response', status: result.response.statusCode } : { kind: 'local-failure' });
    }
    const routeTimedOut = result.kind === 'failure' && result.reason === 'timeout' && Date.now() >= deadline;
    if (policy && !routeTimedOut && retry < policy.numRetries && isRetriable(policy, result)) {
      const backoff = retryBackoffMs(policy, retry);
      if (Date.now() + backoff < deadline && cluster.tryStartRetry()) {
        if (result.kind === 'response') result.response.discard();
        services.metrics.retries.inc({ cluster: cluster.name });
        try {
          await sleep(backoff, undefined, { signal }).catch(() => undefined);
        } finally {
          cluster.endRetry();
        }
        if (signal.aborted) return;
        continue;
      }
      if (retry < policy.numRetries) req.flags.add(ResponseFlag.UpstreamRetryLimitExceeded);
    }
    if (result.kind === 'failure') {
      const [status, code, flag, text] = FAILURE_REPLY[result.reason];
      req.flags.add(flag);
      res.localReply(status, code, `${text}: ${result.message}`);
      return;
    }
    await relayResponse(res, result.response, responseMutations(matched, entry));
    return;
  }
}

/** Streams the upstream response back, trailers included (gRPC status travels in them). */
function relayResponse(res: ProxyResponse, response: UpstreamResponse, mutations: HeaderMutation[]): Promise<void> {
  const headers = forwardableHeaders(response.headers);
  applyHeaderMutations(headers, mutations);
  // A gRPC "trailers-only" answer carries its status in the headers; re-sent as headers + trailers,
  // which every gRPC client reads, since the response here is always started before the body.
  const grpcTrailers: OutgoingHttpHeaders = {};
  for (const name of ['grpc-status', 'grpc-message', 'grpc-status-details-bin']) {
    if (headers[name] === undefined) continue;
    grpcTrailers[name] = headers[name];
    delete headers[name];
  }
  res.writeHead(response.statusCode, headers);
  const body = response.body;
  return new Promise((resolve) => {
    const fail = () => {
      res.raw.destroy();
      resolve();
    };
    body.on('data', (chunk: Buffer) => {
      if (!res.write(chunk)) {
        body.pause();
        res.raw.once('drain', () => body.resume());
      }
    });
    body.once('end', () => {
      const trailers = { ...grpcTrailers, ...forwardableHeaders(response.trailers()) };
      if (Object.keys(trailers).length > 0) res.addTrailers(trailers);
      res.end();
      resolve();
    });
    body.once('error', fail);
    body.once('aborted', fail);
  });
}

/** Sends a copy to a mirror cluster. Fire and forget: its answer and its errors never reach the caller. */
function shadow(req: ProxyRequest, clusterName: string, path: string, authority: string, headers: OutgoingHttpHeaders, body: Buffer, logger: Logger): void {
  const cluster = req.snapshot.clusters.get(clusterName);
  const endpoint = cluster?.pick(undefined);
  if (!cluster || !endpoint) return;
  const [host, port] = splitAuthority(authority);
  sendAttempt({
    snapshot: req.snapshot,
    cluster,
    endpoint,
    method: req.method,
    path,
    authority: `${host}-shadow${port ? `:${port}` : ''}`,
    scheme: req.scheme,
    headers,
    body,
    timeoutMs: 0,
    signal: AbortSignal.timeout(30_000),
  }).then((result) => {
    if (result.kind === 'response') result.response.discard();
    else logger.debug({ event: 'mirror.failed', cluster: clusterName, reason: result.message }, 'mirror request failed');
  });
}
