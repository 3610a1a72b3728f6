import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { ForwardClientCert, HttpConnectionConfig, ListenerConfig } from '../config/listener-config';
import type { RouteTable } from '../config/route-table';
import type { ConfigSnapshot } from '../config/snapshot';
import { logAccess } from '../telemetry/access-log';
import type { ProxyMetrics } from '../telemetry/metrics';
import { DEFAULT_TELEMETRY, type ListenerTelemetry } from '../telemetry/listener-telemetry';
import { continueTrace, type OtlpExporter, type SpanContext } from '../telemetry/tracing';
import { ProxyRequest, type Downstream } from './proxy-request';
import { Http1Response, Http2Response, type ProxyResponse } from './proxy-response';
import { ResponseFlag } from './response-flags';

export interface ConnectionManagerServices {
  readonly logger: Logger;
  readonly accessLogger: Logger;
  readonly metrics: ProxyMetrics;
  readonly snapshot: () => ConfigSnapshot;
  /** The workload this proxy fronts (metrics' source on outbound, destination on inbound). */
  readonly workload: string;
  readonly tracing: TracingServices;
  readonly draining: () => boolean;
}

/** The bootstrap's tracing (may be off) and exporters for endpoints a Telemetry policy names. */
export interface TracingServices {
  readonly exporter: OtlpExporter | undefined;
  readonly samplingPercent: number;
  exporterFor(endpoint: string): OtlpExporter;
}

/** Where a connection was accepted: its listener, the filter chain chosen for it, and its peer. */
export interface ConnectionContext {
  readonly listenerName: string;
  /** Whether the connection came in over TLS: a config update maps it to the new chain of that kind. */
  readonly transportTls: boolean;
  /** The chain's config when the connection was accepted; used if the listener has since gone. */
  readonly chain: HttpConnectionConfig;
  readonly downstream: Downstream;
  /** Told once per request when it arrives, and once when its response has closed (the listener counts requests in flight). */
  requestOpened(): void;
  requestClosed(): void;
}

/**
 * x-forwarded-client-cert as Envoy's forward_client_cert_details says: a caller can never forge it,
 * and with SANITIZE_SET / APPEND_FORWARD the application sees the verified caller's SPIFFE id.
 */
function forwardClientCert(headers: IncomingHttpHeaders, mode: ForwardClientCert, peerIdentity: string | undefined): void {
  const incoming = headers['x-forwarded-client-cert'];
  delete headers['x-forwarded-client-cert'];
  const mtls = peerIdentity !== undefined;
  const own = mtls ? `URI=${peerIdentity}` : undefined;
  switch (mode) {
    case 'ALWAYS_FORWARD_ONLY':
      if (incoming) headers['x-forwarded-client-cert'] = incoming;
      return;
    case 'FORWARD_ONLY':
      if (mtls && incoming) headers['x-forwarded-client-cert'] = incoming;
      return;
    case 'APPEND_FORWARD':
      if (own) headers['x-forwarded-client-cert'] = incoming ? `${String(incoming)},${own}` : own;
      return;
    case 'SANITIZE_SET':
      if (own) headers['x-forwarded-client-cert'] = own;
      return;
    case 'SANITIZE':
      return;
  }
}

/** The service a cluster name stands for (Istio: outbound|port|subset|fqdn). */
function serviceOfCluster(cluster: string | undefined): string {
  if (!cluster) return 'unknown';
  const parts = cluster.split('|');
  return parts.length === 4 ? parts[3]! || parts[0]! : cluster;
}

/** SPIFFE id spiffe://<td>/ns/<ns>/sa/<sa> → the service account, the workload's identity. */
function workloadOfIdentity(identity: string | undefined): string {
  if (!identity) return 'unknown';
  const match = /\/sa\/([^/]+)$/.exec(identity);
  return match ? match[1]! : identity;
}

function ignoreStreamError(): void {}

/** A sampled request's span, exported once its response has closed; `startedAt` is its performance.now(). */
function exportSpan(
  trace: SpanContext,
  exporter: OtlpExporter,
  req: ProxyRequest,
  res: ProxyResponse,
  kind: 'server' | 'client',
  startedAt: number,
  durationMs: number,
  telemetry: ListenerTelemetry,
): void {
  // In microseconds first: epoch nanoseconds do not fit a double exactly.
  const startNs = BigInt(Math.round((performance.timeOrigin + startedAt) * 1e3)) * 1000n;
  exporter.export({
    context: trace,
    name: `${req.method} ${req.route?.route.name || req.pathname}`,
    kind,
    startNs,
    endNs: startNs + BigInt(Math.round(durationMs * 1e6)),
    attributes: {
      'http.request.method': req.method,
      'url.path': req.pathname,
      'http.response.status_code': res.status,
      'meshform.upstream_cluster': req.cluster ?? '',
      'meshform.request_id': req.id,
      ...Object.fromEntries((telemetry.tracing?.customTags ?? []).map(([tag, header]) => [tag, req.header(header) ?? ''])),
    },
    error: res.status >= 500 || res.status === 0,
  });
}

/**
 * Envoy's HttpConnectionManager for one request: takes the current snapshot, resolves the route
 * before any filter runs, runs the composed filter chain, then logs and measures the outcome.
 */
export class HttpConnectionManager {
  constructor(private readonly services: ConnectionManagerServices) {}

  /** An HTTP/1.1 request as node:http parsed it. */
  handleHttp1(raw: IncomingMessage, rawRes: ServerResponse, context: ConnectionContext): void {
    const headers = raw.headers;
    const length = headers['content-length'];
    const hasBody = (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
    if (this.services.draining()) rawRes.setHeader('connection', 'close');
    this.handle(raw.method ?? 'GET', raw.url ?? '/', String(headers.host ?? ''), headers, raw, hasBody, 'HTTP/1.1', new Http1Response(rawRes), context);
  }

  /** An HTTP/2 request: the stream itself carries the request body and the response. */
  handleHttp2(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, context: ConnectionContext): void {
    // A reset from the peer destroys the stream with an error; its close records the request.
    stream.on('error', ignoreStreamError);
    const authority = String(headers[':authority'] ?? headers.host ?? '');
    const response = new Http2Response(stream);
    this.handle(String(headers[':method'] ?? 'GET'), String(headers[':path'] ?? '/'), authority, headers, stream, !stream.endAfterHeaders, 'HTTP/2', response, context);
  }

  /**
   * Resolves the route before any filter runs, runs the composed filter chain, then logs and
   * measures the outcome once the response has closed.
   */
  private handle(
    method: string,
    path: string,
    authority: string,
    headers: IncomingHttpHeaders,
    body: Readable,
    hasBody: boolean,
    protocol: 'HTTP/1.1' | 'HTTP/2',
    res: ProxyResponse,
    context: ConnectionContext,
  ): void {
    const snapshot = this.services.snapshot();
    const listener: ListenerConfig | undefined = snapshot.listeners.get(context.listenerName);
    const current = listener?.chains.find((c) => (c.transportTls === true) === context.transportTls && c.network.kind === 'http')?.network;
    const chain = current?.kind === 'http' ? current : context.chain;
    const startedAt = performance.now();
    // The request's own header object is the working copy (pseudo-headers stay in it, unread: a
    // matcher asks for them by name, forwarding skips them); the one copy made is what goes upstream.
    forwardClientCert(headers, chain.forwardClientCert, context.downstream.peerIdentity);
    const requestId = typeof headers['x-request-id'] === 'string' && headers['x-request-id'] ? headers['x-request-id'] : randomUUID();
    const telemetry = listener?.telemetry ?? DEFAULT_TELEMETRY;
    const tracing = this.services.tracing;
    const exporter = telemetry.tracing?.otlpEndpoint ? tracing.exporterFor(telemetry.tracing.otlpEndpoint) : tracing.exporter;
    // Headers propagate whenever tracing is configured, even where nothing is exported.
    const trace =
      exporter || telemetry.tracing
        ? continueTrace(headers, chain.samplingPercent ?? tracing.samplingPercent, telemetry.tracing?.propagation)
        : undefined;
    const req = new ProxyRequest(method, path, authority, context.downstream.tls ? 'https' : 'http', headers, body, hasBody, context.downstream, protocol, requestId, snapshot);
    const table: RouteTable | undefined = chain.inlineRoutes ?? (chain.routeConfigName ? snapshot.routes.get(chain.routeConfigName) : undefined);
    req.route = table?.match(chain.stripAnyHostPort ? withoutPort(authority) : authority, req);
    const raw = res.raw;
    raw.once('close', () => {
      context.requestClosed();
      if (!raw.writableFinished) {
        req.flags.add(ResponseFlag.DownstreamConnectionTermination);
        res.cancellation.cancel();
      }
      const durationMs = performance.now() - startedAt;
      this.record(req, res, listener?.direction ?? 'outbound', durationMs, telemetry, trace?.traceId);
      if (trace?.sampled && exporter) exportSpan(trace, exporter, req, res, listener?.direction === 'inbound' ? 'server' : 'client', startedAt, durationMs, telemetry);
    });
    chain.handler(req, res).catch((error: unknown) => {
      this.services.logger.error({ event: 'http.filter_error', err: error, requestId }, 'filter chain failed');
      if (!res.started) res.localReply(500, undefined, 'internal proxy error');
      else raw.destroy();
    });
  }

  private record(
    req: ProxyRequest,
    res: ProxyResponse,
    direction: 'inbound' | 'outbound',
    durationMs: number,
    telemetry: ListenerTelemetry,
    traceId: string | undefined,
  ): void {
    if (telemetry.metricsEnabled) {
      const inbound = direction === 'inbound';
      // What varies per request goes in the key; the labels are derived from it once per series.
      const peer = (inbound ? req.downstream.peerIdentity : req.cluster) ?? '';
      const route = req.route?.route.name || req.route?.virtualHost.name || '';
      const status = String(res.status || 0);
      const flags = req.flags.size === 0 ? '-' : [...req.flags].join(',');
      this.services.metrics.requests.record(
        `${direction}\u0000${peer}\u0000${route}\u0000${status}\u0000${flags}`,
        () => ({
          direction,
          source_workload: inbound ? workloadOfIdentity(peer) : this.services.workload,
          destination_service: inbound ? this.services.workload : serviceOfCluster(peer),
          route,
          response_code: status,
          response_flags: flags,
        }),
        durationMs / 1000,
        Number(req.headers['content-length'] ?? 0) || 0,
        res.bytesSent,
      );
    }
    const log = telemetry.accessLog;
    const failed = res.status === 0 || res.status >= 400 || req.flags.size > 0;
    if (log.enabled && (!log.errorsOnly || failed)) logAccess(this.services.accessLogger, req, res, durationMs, traceId, log.format);
  }
}

/** `host:port` → `host` (an IPv6 literal keeps its brackets), for HCMs with `strip_any_host_port`. */
function withoutPort(authority: string): string {
  const colon = authority.lastIndexOf(':');
  return colon > authority.lastIndexOf(']') && colon >= 0 ? authority.slice(0, colon) : authority;
}
