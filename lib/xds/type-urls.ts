/** Type URLs of the xDS resources and of the typed configs embedded in them (Envoy v3). */
const PREFIX = 'type.googleapis.com/';

export const TypeUrl = {
  Listener: `${PREFIX}envoy.config.listener.v3.Listener`,
  RouteConfiguration: `${PREFIX}envoy.config.route.v3.RouteConfiguration`,
  VirtualHost: `${PREFIX}envoy.config.route.v3.VirtualHost`,
  Cluster: `${PREFIX}envoy.config.cluster.v3.Cluster`,
  ClusterLoadAssignment: `${PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  Secret: `${PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`,
  HttpConnectionManager: `${PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  TcpProxy: `${PREFIX}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  Router: `${PREFIX}envoy.extensions.filters.http.router.v3.Router`,
  HttpFault: `${PREFIX}envoy.extensions.filters.http.fault.v3.HTTPFault`,
  Rbac: `${PREFIX}envoy.extensions.filters.http.rbac.v3.RBAC`,
  RbacPerRoute: `${PREFIX}envoy.extensions.filters.http.rbac.v3.RBACPerRoute`,
  JwtAuthentication: `${PREFIX}envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication`,
  JwtPerRoute: `${PREFIX}envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig`,
  LocalRateLimit: `${PREFIX}envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit`,
  TlsInspector: `${PREFIX}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
  DownstreamTlsContext: `${PREFIX}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  UpstreamTlsContext: `${PREFIX}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  RingHash: `${PREFIX}envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash`,
  Maglev: `${PREFIX}envoy.extensions.load_balancing_policies.maglev.v3.Maglev`,
  RoundRobin: `${PREFIX}envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin`,
  LeastRequest: `${PREFIX}envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest`,
  HttpProtocolOptions: `${PREFIX}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
  WrrLocality: `${PREFIX}envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality`,
} as const;

export type TypeUrlValue = (typeof TypeUrl)[keyof typeof TypeUrl];

/** The messages of the xDS streams themselves: ADS, and the delta protocol VHDS speaks. */
export const DiscoveryMessage = {
  Request: 'envoy.service.discovery.v3.DiscoveryRequest',
  Response: 'envoy.service.discovery.v3.DiscoveryResponse',
  DeltaRequest: 'envoy.service.discovery.v3.DeltaDiscoveryRequest',
  DeltaResponse: 'envoy.service.discovery.v3.DeltaDiscoveryResponse',
} as const;

/** The fully qualified message name of a type URL (what follows the last `/`). */
export function typeNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}
