/** Names of the xDS resources the translation emits (Istio's conventions, see docs/xds-contract.md). */

/** SDS secret holding the proxy's own SVID and key. */
export const SDS_DEFAULT = 'default';
/** SDS secret holding the trust bundle (every root trusted during a rotation). */
export const SDS_ROOT_CA = 'ROOTCA';

/** `0.0.0.0_9080`: the outbound listener of a port. */
export function outboundListenerName(port: number): string {
  return `0.0.0.0_${port}`;
}

/** `inbound_127.0.0.3_9080`: the inbound listener of the workload's own port. */
export function inboundListenerName(instanceIp: string, port: number): string {
  return `inbound_${instanceIp}_${port}`;
}

/** Listener and cluster of a captured application port that no service port targets. */
export function inboundPassthroughName(appPort: number): string {
  return `inbound|passthrough|${appPort}`;
}

/** `reviews.default.svc.cluster.local:9080`: what a proxyless client asks for from `xds:///…`. */
export function apiListenerName(fqdn: string, port: number): string {
  return `${fqdn}:${port}`;
}

/** Route configurations are named by port. */
export function routeConfigName(port: number): string {
  return String(port);
}

/**
 * Virtual hosts are named `<route configuration>/<host>:<port>`: the name of their VHDS resource
 * (Envoy's convention; the route configuration is what precedes the last `/`).
 */
export function virtualHostName(host: string, port: number): string {
  return `${routeConfigName(port)}/${host}:${port}`;
}

/** `gateway_443`: a gateway's listener of one port, and the route configuration it names. */
export function gatewayListenerName(port: number): string {
  return `gateway_${port}`;
}

export const FilterName = {
  HttpConnectionManager: 'envoy.filters.network.http_connection_manager',
  TcpProxy: 'envoy.filters.network.tcp_proxy',
  TlsInspector: 'envoy.filters.listener.tls_inspector',
  JwtAuthn: 'envoy.filters.http.jwt_authn',
  Rbac: 'envoy.filters.http.rbac',
  LocalRateLimit: 'envoy.filters.http.local_ratelimit',
  Fault: 'envoy.filters.http.fault',
  Router: 'envoy.filters.http.router',
  TlsTransportSocket: 'envoy.transport_sockets.tls',
} as const;
