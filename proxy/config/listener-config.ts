import { durationToMs, TypeUrl, type Duration, type XdsMessage } from '../../lib/xds';
import { ConfigError } from '../errors';
import type { Handler } from '../http/filter';
import { compileListenerTelemetry, type ListenerTelemetry } from '../telemetry/listener-telemetry';
import { compileRouteConfiguration, type PerFilterCompiler, type RouteTable } from './route-table';
import { compileDownstreamTls, type DownstreamTls } from './tls-config';

export interface HttpConnectionConfig {
  readonly kind: 'http';
  readonly statPrefix: string;
  /** RDS name, looked up in the snapshot per request; or routes given inline. */
  readonly routeConfigName: string | undefined;
  readonly inlineRoutes: RouteTable | undefined;
  /** The HTTP filters composed around the router, built once per config. */
  readonly handler: Handler;
  readonly codec: 'AUTO' | 'HTTP1' | 'HTTP2';
  readonly maxRequestHeadersBytes: number;
  /** common_http_protocol_options.max_headers_count: more request headers are answered 431. */
  readonly maxHeadersCount: number;
  readonly requestHeadersTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** forward_client_cert_details: what happens to x-forwarded-client-cert (Envoy's default: SANITIZE). */
  readonly forwardClientCert: ForwardClientCert;
  /** tracing.random_sampling of the HttpConnectionManager; undefined leaves the bootstrap's. */
  readonly samplingPercent: number | undefined;
  /** strip_any_host_port: virtual hosts are chosen by the Host without its port (a gateway, whose local-mode ports differ from its listeners'). */
  readonly stripAnyHostPort: boolean;
}

export type ForwardClientCert = 'SANITIZE' | 'FORWARD_ONLY' | 'APPEND_FORWARD' | 'SANITIZE_SET' | 'ALWAYS_FORWARD_ONLY';

export interface TcpProxyConfig {
  readonly kind: 'tcp';
  readonly statPrefix: string;
  readonly cluster: string;
  readonly idleTimeoutMs: number;
}

export interface FilterChainConfig {
  /** true: only TLS connections; false: only plaintext; undefined: either. */
  readonly transportTls: boolean | undefined;
  readonly tls: DownstreamTls | undefined;
  readonly network: HttpConnectionConfig | TcpProxyConfig;
}

export interface ListenerConfig {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly direction: 'inbound' | 'outbound';
  readonly chains: readonly FilterChainConfig[];
  readonly telemetry: ListenerTelemetry;
}

/** What compiling an HttpConnectionManager needs from the HTTP layer (filters and router). */
export interface HttpChainBuilder {
  readonly perFilter: PerFilterCompiler;
  buildChain(filters: readonly XdsMessage[], resource: string): Handler;
}

const SUPPORTED_LISTENER_FILTERS = new Set([TypeUrl.TlsInspector as string]);
const DEFAULT_MAX_HEADERS_KB = 60;
/** Envoy's default max_headers_count. */
const DEFAULT_MAX_HEADERS_COUNT = 100;
const DEFAULT_REQUEST_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;

/** A listener to bind, or undefined for one a sidecar does not serve (a proxyless api_listener). */
export function compileListener(message: XdsMessage, http: HttpChainBuilder): ListenerConfig | undefined {
  const name = String(message['name'] ?? '');
  const resource = `listener ${name}`;
  if (message['api_listener']) return undefined;
  const socket = (message['address'] as XdsMessage | undefined)?.['socket_address'] as XdsMessage | undefined;
  if (!socket) throw new ConfigError(resource, 'listener without a socket address');
  for (const filter of (message['listener_filters'] as XdsMessage[] | undefined) ?? []) {
    const type = String((filter['typed_config'] as XdsMessage | undefined)?.['@type'] ?? '');
    if (!SUPPORTED_LISTENER_FILTERS.has(type)) throw new ConfigError(resource, `unsupported listener filter ${String(filter['name'])}`);
  }
  const direction = message['traffic_direction'] === 'INBOUND' || (message['traffic_direction'] !== 'OUTBOUND' && name.startsWith('inbound'))
    ? 'inbound'
    : 'outbound';
  const chainMessages = [...((message['filter_chains'] as XdsMessage[] | undefined) ?? [])];
  if (message['default_filter_chain']) chainMessages.push(message['default_filter_chain'] as XdsMessage);
  if (chainMessages.length === 0) throw new ConfigError(resource, 'listener without filter chains');
  return {
    name,
    host: String(socket['address'] ?? '0.0.0.0'),
    port: Number(socket['port_value'] ?? 0),
    direction,
    chains: chainMessages.map((chain, index) => compileFilterChain(chain, `${resource} chain ${index}`, http)),
    telemetry: compileListenerTelemetry(message),
  };
}

function compileFilterChain(message: XdsMessage, resource: string, http: HttpChainBuilder): FilterChainConfig {
  const match = (message['filter_chain_match'] as XdsMessage | undefined) ?? {};
  const transport = match['transport_protocol'] as string | undefined;
  const socket = (message['transport_socket'] as XdsMessage | undefined)?.['typed_config'] as XdsMessage | undefined;
  if (socket && socket['@type'] !== TypeUrl.DownstreamTlsContext) {
    throw new ConfigError(resource, `unsupported transport socket ${String(socket['@type'])}`);
  }
  const tls = socket ? compileDownstreamTls(socket, resource) : undefined;
  const filters = (message['filters'] as XdsMessage[] | undefined) ?? [];
  if (filters.length !== 1) throw new ConfigError(resource, `expected one network filter, got ${filters.length}`);
  const config = filters[0]!['typed_config'] as XdsMessage | undefined;
  let network: HttpConnectionConfig | TcpProxyConfig;
  switch (config?.['@type']) {
    case TypeUrl.HttpConnectionManager:
      network = compileHttpConnectionManager(config, resource, http);
      break;
    case TypeUrl.TcpProxy:
      network = compileTcpProxy(config, resource);
      break;
    default:
      throw new ConfigError(resource, `unsupported network filter ${String(config?.['@type'] ?? filters[0]!['name'])}`);
  }
  return {
    transportTls: transport === 'tls' ? true : transport === 'raw_buffer' ? false : tls ? true : undefined,
    tls,
    network,
  };
}

function compileHttpConnectionManager(message: XdsMessage, resource: string, http: HttpChainBuilder): HttpConnectionConfig {
  let routeConfigName: string | undefined;
  let inlineRoutes: RouteTable | undefined;
  if (message['route_specifier'] === 'rds') {
    const rds = message['rds'] as XdsMessage;
    if ((rds['config_source'] as XdsMessage | undefined)?.['config_source_specifier'] !== 'ads') {
      throw new ConfigError(resource, 'RDS must use config_source.ads');
    }
    routeConfigName = String(rds['route_config_name']);
  } else if (message['route_specifier'] === 'route_config') {
    inlineRoutes = compileRouteConfiguration(message['route_config'] as XdsMessage, http.perFilter);
  } else {
    throw new ConfigError(resource, `unsupported route specifier ${String(message['route_specifier'] ?? '(none)')}`);
  }
  const common = (message['common_http_protocol_options'] as XdsMessage | undefined) ?? {};
  return {
    kind: 'http',
    statPrefix: String(message['stat_prefix'] ?? ''),
    routeConfigName,
    inlineRoutes,
    handler: http.buildChain((message['http_filters'] as XdsMessage[] | undefined) ?? [], resource),
    codec: (['HTTP1', 'HTTP2'].includes(String(message['codec_type'])) ? message['codec_type'] : 'AUTO') as HttpConnectionConfig['codec'],
    maxRequestHeadersBytes: ((message['max_request_headers_kb'] as { value?: number } | undefined)?.value ?? DEFAULT_MAX_HEADERS_KB) * 1024,
    maxHeadersCount: (common['max_headers_count'] as { value?: number } | undefined)?.value || DEFAULT_MAX_HEADERS_COUNT,
    requestHeadersTimeoutMs: durationToMs(message['request_headers_timeout'] as Duration | undefined) || DEFAULT_REQUEST_HEADERS_TIMEOUT_MS,
    idleTimeoutMs: durationToMs(common['idle_timeout'] as Duration | undefined) || DEFAULT_IDLE_TIMEOUT_MS,
    forwardClientCert: (message['forward_client_cert_details'] as ForwardClientCert | undefined) ?? 'SANITIZE',
    samplingPercent: ((message['tracing'] as XdsMessage | undefined)?.['random_sampling'] as { value?: number } | undefined)?.value,
    stripAnyHostPort: message['strip_any_host_port'] === true,
  };
}

function compileTcpProxy(message: XdsMessage, resource: string): TcpProxyConfig {
  if (message['cluster_specifier'] !== 'cluster') throw new ConfigError(resource, 'tcp_proxy supports a single cluster only');
  return {
    kind: 'tcp',
    statPrefix: String(message['stat_prefix'] ?? ''),
    cluster: String(message['cluster']),
    idleTimeoutMs: durationToMs(message['idle_timeout'] as Duration | undefined) ?? DEFAULT_IDLE_TIMEOUT_MS,
  };
}
