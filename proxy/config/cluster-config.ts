import { durationToMs, TypeUrl, type Duration, type XdsMessage } from '../../lib/xds';
import { ConfigError } from '../errors';
import { compileUpstreamTls, type UpstreamTls } from './tls-config';

export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV';

export interface CircuitBreakerLimits {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
  /** With a retry budget, max_retries is ignored (as in Envoy). */
  readonly retryBudget: { readonly fraction: number; readonly minConcurrency: number } | undefined;
}

export interface OutlierDetectionConfig {
  readonly consecutive5xx: number;
  readonly enforce5xx: boolean;
  readonly consecutiveGatewayFailure: number;
  readonly enforceGatewayFailure: boolean;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionPercent: number;
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** `host:port`, the endpoint's identity across config updates. */
  readonly address: string;
  readonly weight: number;
}

export interface ClusterConfig {
  readonly name: string;
  /** The ClusterLoadAssignment name for EDS clusters; undefined when endpoints are inline. */
  readonly edsServiceName: string | undefined;
  readonly staticEndpoints: readonly Endpoint[] | undefined;
  readonly lbPolicy: LbPolicy;
  readonly ringSize: number;
  readonly maglevTableSize: number;
  readonly choiceCount: number;
  readonly connectTimeoutMs: number;
  readonly limits: CircuitBreakerLimits;
  readonly outlier: OutlierDetectionConfig | undefined;
  readonly tls: UpstreamTls | undefined;
  readonly http2: boolean;
  /** Upstream connections (HTTP/1.1 sockets, HTTP/2 sessions) idle this long are closed. @default the pool's own */
  readonly idleTimeoutMs: number | undefined;
  /** A connection carries at most this many requests, then closes once they finish. @default unlimited */
  readonly maxRequestsPerConnection: number | undefined;
  /**
   * ORIGINAL_DST: the endpoint is the request's original destination, read from a header
   * (there is no connection redirect to recover it from in local mode).
   */
  readonly originalDestinationHeader: string | undefined;
}

const DISCOVERY_TYPES = new Set(['EDS', 'STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'ORIGINAL_DST']);
const INLINE_ENDPOINT_TYPES = new Set(['STATIC', 'STRICT_DNS', 'LOGICAL_DNS']);
const LB_POLICIES = new Set<string>(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV']);
const wrapped = (message: unknown, fallback: number): number => (message as { value?: number } | undefined)?.value ?? fallback;

export function compileCluster(message: XdsMessage): ClusterConfig {
  const name = String(message['name'] ?? '');
  const resource = `cluster ${name}`;
  const type = String(message['type'] ?? 'STATIC');
  if (!DISCOVERY_TYPES.has(type)) throw new ConfigError(resource, `unsupported discovery type ${type}`);
  const originalDst = (message['original_dst_lb_config'] as XdsMessage | undefined) ?? {};
  if (type === 'ORIGINAL_DST' && originalDst['use_http_header'] !== true) {
    throw new ConfigError(resource, 'ORIGINAL_DST needs original_dst_lb_config.use_http_header (no transparent interception here)');
  }
  const lbPolicy = String(message['lb_policy'] ?? 'ROUND_ROBIN');
  if (!LB_POLICIES.has(lbPolicy) && type !== 'ORIGINAL_DST') throw new ConfigError(resource, `unsupported lb_policy ${lbPolicy}`);
  const transportSocket = message['transport_socket'] as { typed_config?: XdsMessage } | undefined;
  const tlsContext = transportSocket?.typed_config;
  if (tlsContext && tlsContext['@type'] !== TypeUrl.UpstreamTlsContext) {
    throw new ConfigError(resource, `unsupported transport socket ${String(tlsContext['@type'])}`);
  }
  return {
    name,
    edsServiceName: type === 'EDS' ? String((message['eds_cluster_config'] as XdsMessage | undefined)?.['service_name'] || name) : undefined,
    // DNS clusters list host names; the OS resolves them when a connection opens.
    staticEndpoints: INLINE_ENDPOINT_TYPES.has(type) ? compileEndpoints((message['load_assignment'] as XdsMessage | undefined) ?? {}, resource) : type === 'ORIGINAL_DST' ? [] : undefined,
    // ORIGINAL_DST clusters carry lb_policy CLUSTER_PROVIDED; the destination is the balancing.
    lbPolicy: type === 'ORIGINAL_DST' ? 'RANDOM' : (lbPolicy as LbPolicy),
    ringSize: wrapped((message['ring_hash_lb_config'] as XdsMessage | undefined)?.['minimum_ring_size'], 1024),
    maglevTableSize: wrapped((message['maglev_lb_config'] as XdsMessage | undefined)?.['table_size'], 65537),
    choiceCount: wrapped((message['least_request_lb_config'] as XdsMessage | undefined)?.['choice_count'], 2),
    connectTimeoutMs: durationToMs(message['connect_timeout'] as Duration | undefined) ?? 5_000,
    limits: compileLimits(message['circuit_breakers'] as XdsMessage | undefined),
    outlier: message['outlier_detection'] ? compileOutlier(message['outlier_detection'] as XdsMessage) : undefined,
    tls: tlsContext ? compileUpstreamTls(tlsContext, resource) : undefined,
    http2: wantsHttp2(message),
    ...connectionLimits(message),
    originalDestinationHeader:
      type === 'ORIGINAL_DST' ? String(originalDst['http_header_name'] || 'x-envoy-original-dst-host').toLowerCase() : undefined,
  };
}

function compileLimits(breakers: XdsMessage | undefined): CircuitBreakerLimits {
  const thresholds = ((breakers?.['thresholds'] as XdsMessage[] | undefined) ?? []).find((t) => (t['priority'] ?? 'DEFAULT') === 'DEFAULT');
  const budget = thresholds?.['retry_budget'] as XdsMessage | undefined;
  return {
    maxConnections: wrapped(thresholds?.['max_connections'], 1024),
    maxPendingRequests: wrapped(thresholds?.['max_pending_requests'], 1024),
    maxRequests: wrapped(thresholds?.['max_requests'], 1024),
    maxRetries: wrapped(thresholds?.['max_retries'], 3),
    retryBudget: budget
      ? { fraction: wrapped(budget['budget_percent'], 20) / 100, minConcurrency: wrapped(budget['min_retry_concurrency'], 3) }
      : undefined,
  };
}

function compileOutlier(message: XdsMessage): OutlierDetectionConfig {
  const baseEjectionTimeMs = durationToMs(message['base_ejection_time'] as Duration | undefined) ?? 30_000;
  return {
    consecutive5xx: wrapped(message['consecutive_5xx'], 5),
    enforce5xx: wrapped(message['enforcing_consecutive_5xx'], 100) > 0,
    consecutiveGatewayFailure: wrapped(message['consecutive_gateway_failure'], 5),
    // Envoy's default enforcement of gateway failures is 0%: counted but never ejecting.
    enforceGatewayFailure: wrapped(message['enforcing_consecutive_gateway_failure'], 0) > 0,
    baseEjectionTimeMs,
    maxEjectionTimeMs: durationToMs(message['max_ejection_time'] as Duration | undefined) ?? Math.max(300_000, baseEjectionTimeMs),
    maxEjectionPercent: wrapped(message['max_ejection_percent'], 10),
  };
}

/** The cluster's HttpProtocolOptions extension, where v3 puts what the deprecated Cluster-level fields said. */
function httpProtocolOptions(message: XdsMessage): XdsMessage | undefined {
  const options = (message['typed_extension_protocol_options'] as Record<string, XdsMessage> | undefined) ?? {};
  return options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
}

/** HTTP/2 upstream: the extension options, or Cluster.http2_protocol_options (deprecated in v3, still honoured by Envoy). */
function wantsHttp2(message: XdsMessage): boolean {
  if (message['http2_protocol_options'] !== undefined && message['http2_protocol_options'] !== null) return true;
  const explicit = httpProtocolOptions(message)?.['explicit_http_config'] as XdsMessage | undefined;
  return explicit?.['protocol_config'] === 'http2_protocol_options';
}

/** idle_timeout and max_requests_per_connection: in the extension's common options, else the Cluster-level forms. */
function connectionLimits(message: XdsMessage): Pick<ClusterConfig, 'idleTimeoutMs' | 'maxRequestsPerConnection'> {
  const common = (httpProtocolOptions(message)?.['common_http_protocol_options'] ?? message['common_http_protocol_options']) as XdsMessage | undefined;
  const maxRequests = (common?.['max_requests_per_connection'] ?? message['max_requests_per_connection']) as { value?: number } | undefined;
  // 0 means unlimited in Envoy, for both.
  const idle = durationToMs(common?.['idle_timeout'] as Duration | undefined);
  return { idleTimeoutMs: idle || undefined, maxRequestsPerConnection: maxRequests?.value || undefined };
}

/** Compiles a ClusterLoadAssignment (EDS or a STATIC cluster's load_assignment) to endpoints. */
export function compileEndpoints(message: XdsMessage, resource: string): readonly Endpoint[] {
  const endpoints: Endpoint[] = [];
  for (const locality of (message['endpoints'] as XdsMessage[] | undefined) ?? []) {
    for (const lb of (locality['lb_endpoints'] as XdsMessage[] | undefined) ?? []) {
      if (lb['health_status'] === 'UNHEALTHY' || lb['health_status'] === 'DRAINING') continue;
      const socket = ((lb['endpoint'] as XdsMessage | undefined)?.['address'] as XdsMessage | undefined)?.['socket_address'] as
        | XdsMessage
        | undefined;
      if (!socket?.['address']) throw new ConfigError(resource, 'endpoint without a socket address');
      const host = String(socket['address']);
      const port = Number(socket['port_value'] ?? 0);
      endpoints.push({ host, port, address: `${host}:${port}`, weight: wrapped(lb['load_balancing_weight'], 1) || 1 });
    }
  }
  return endpoints;
}
