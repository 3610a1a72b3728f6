export { compileCluster, compileEndpoints } from './cluster-config';
export type { CircuitBreakerLimits, ClusterConfig, Endpoint, LbPolicy, OutlierDetectionConfig } from './cluster-config';
export { ConfigStore } from './config-store';
export type { Wanted } from './config-store';
export { fractionOf } from './fractional-percent';
export { applyHeaderMutations, compileHeaderMutation, NO_HEADER_MUTATION } from './header-mutation';
export type { HeaderMutation } from './header-mutation';
export { compileListener } from './listener-config';
export type { FilterChainConfig, ForwardClientCert, HttpChainBuilder, HttpConnectionConfig, ListenerConfig, TcpProxyConfig } from './listener-config';
export { compileRetryPolicy } from './retry-policy';
export type { RetryPolicy, RetryWord } from './retry-policy';
export { compileHeaderMatcher, compileRouteConfiguration, compileRouteConfigurationParts, compileRoutedHost, RouteTable } from './route-table';
export type {
  ClusterAction,
  CompiledRoute,
  CompiledRouteConfiguration,
  CompiledVirtualHost,
  DirectResponseAction,
  HashPolicy,
  MatchedRoute,
  PerFilterCompiler,
  RedirectAction,
  RoutedHost,
  RouteAction,
  RouteInput,
  WeightedClusterEntry,
} from './route-table';
export { EMPTY_SNAPSHOT } from './snapshot';
export type { ConfigSnapshot } from './snapshot';
export { compileRegex, compileStringMatcher } from './string-matcher';
export type { StringPredicate } from './string-matcher';
export { compileDownstreamTls, compileSecret, compileUpstreamTls } from './tls-config';
export type { CompiledSecret, DownstreamTls, UpstreamTls } from './tls-config';
