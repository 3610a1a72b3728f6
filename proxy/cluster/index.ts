export { ClusterManager } from './cluster-manager';
export { EndpointState } from './endpoint-state';
export { combineHashes, hash32 } from './hash';
export { createLoadBalancer } from './load-balancer';
export type { LoadBalancer } from './load-balancer';
export { recordOutcome } from './outlier-detector';
export type { AttemptOutcome } from './outlier-detector';
export { ClusterState, UpstreamCluster, uriSans } from './upstream-cluster';
export type { ClusterEvents, OverflowKind } from './upstream-cluster';
