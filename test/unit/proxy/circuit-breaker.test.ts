import { describe, expect, it } from 'vitest';
import { ClusterState, UpstreamCluster, type OverflowKind } from '../../../proxy/cluster/upstream-cluster';
import type { ClusterConfig, CircuitBreakerLimits } from '../../../proxy/config/cluster-config';

function clusterWith(limits: Partial<CircuitBreakerLimits>, overflows: OverflowKind[]): UpstreamCluster {
  const config: ClusterConfig = {
    name: 'c',
    edsServiceName: 'c',
    staticEndpoints: undefined,
    lbPolicy: 'ROUND_ROBIN',
    ringSize: 1024,
    maglevTableSize: 65537,
    choiceCount: 2,
    connectTimeoutMs: 1000,
    limits: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3, retryBudget: undefined, ...limits },
    outlier: undefined,
    tls: undefined,
    http2: false,
    originalDestinationHeader: undefined, idleTimeoutMs: undefined, maxRequestsPerConnection: undefined,
  };
  return new UpstreamCluster(config, [], new ClusterState('c'), { overflow: (_c, kind) => overflows.push(kind), ejected: () => undefined }, 50);
}

describe('circuit breaking', () => {
  it('refuses requests beyond max_requests and counts each overflow', () => {
    const overflows: OverflowKind[] = [];
    const cluster = clusterWith({ maxRequests: 2 }, overflows);
    expect([cluster.tryStartRequest(), cluster.tryStartRequest(), cluster.tryStartRequest()]).toEqual([true, true, false]);
    cluster.endRequest();
    expect(cluster.tryStartRequest()).toBe(true);
    expect(overflows).toEqual(['max_requests']);
  });

  it('limits concurrent retries to max_retries', () => {
    const overflows: OverflowKind[] = [];
    const cluster = clusterWith({ maxRetries: 1 }, overflows);
    expect([cluster.tryStartRetry(), cluster.tryStartRetry()]).toEqual([true, false]);
    expect(overflows).toEqual(['max_retries']);
  });

  it('with a retry budget allows retries as a share of active requests, with a floor', () => {
    const overflows: OverflowKind[] = [];
    const cluster = clusterWith({ maxRetries: 0, retryBudget: { fraction: 0.5, minConcurrency: 1 } }, overflows);
    expect([cluster.tryStartRetry(), cluster.tryStartRetry()]).toEqual([true, false]);
    for (let i = 0; i < 6; i++) cluster.tryStartRequest();
    // 50% of 6 active requests: 3 retries in flight at most (one already is).
    expect([cluster.tryStartRetry(), cluster.tryStartRetry(), cluster.tryStartRetry()]).toEqual([true, true, false]);
  });

  it('refuses to queue beyond max_pending_requests', () => {
    const overflows: OverflowKind[] = [];
    const cluster = clusterWith({ maxPendingRequests: 1 }, overflows);
    expect([cluster.tryQueue(), cluster.tryQueue()]).toEqual([true, false]);
    cluster.dequeue();
    expect(cluster.tryQueue()).toBe(true);
    expect(overflows).toEqual(['max_pending_requests']);
  });
});
