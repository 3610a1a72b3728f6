import { describe, expect, it } from 'vitest';
import { EndpointState } from '../../../proxy/cluster/endpoint-state';
import { hash32 } from '../../../proxy/cluster/hash';
import { createLoadBalancer } from '../../../proxy/cluster/load-balancer';
import type { ClusterConfig, LbPolicy } from '../../../proxy/config/cluster-config';

function config(lbPolicy: LbPolicy): ClusterConfig {
  return {
    name: 'c',
    edsServiceName: 'c',
    staticEndpoints: undefined,
    lbPolicy,
    ringSize: 1024,
    maglevTableSize: 65537,
    choiceCount: 2,
    connectTimeoutMs: 1000,
    limits: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 1, maxRetries: 1, retryBudget: undefined },
    outlier: undefined,
    tls: undefined,
    http2: false,
    originalDestinationHeader: undefined, idleTimeoutMs: undefined, maxRequestsPerConnection: undefined,
  };
}

const states = (count: number, weights: number[] = []) =>
  Array.from({ length: count }, (_, i) => new EndpointState({ host: '10.0.0.1', port: 8000 + i, address: `10.0.0.1:${8000 + i}`, weight: weights[i] ?? 1 }));

describe('load balancers', () => {
  it('round robin follows the endpoint weights exactly', () => {
    const members = states(2, [3, 1]);
    const balancer = createLoadBalancer(config('ROUND_ROBIN'), members);
    const picks = Array.from({ length: 8 }, () => balancer.pick(members, undefined)!.address);
    expect(picks.filter((a) => a === members[0]!.address)).toHaveLength(6);
  });

  it('least request prefers the endpoint with fewer requests in flight', () => {
    const members = states(2);
    members[0]!.active = 10;
    const balancer = createLoadBalancer(config('LEAST_REQUEST'), members);
    const picks = Array.from({ length: 200 }, () => balancer.pick(members, undefined)!);
    // The busy one wins only when both choices land on it (about a quarter of the time).
    expect(picks.filter((p) => p === members[0]).length).toBeLessThan(90);
  });

  for (const policy of ['RING_HASH', 'MAGLEV'] as const) {
    it(`${policy} sends a key to the same endpoint and moves few keys when one endpoint leaves`, () => {
      const members = states(5);
      const balancer = createLoadBalancer(config(policy), members);
      const keys = Array.from({ length: 500 }, (_, i) => hash32(`user-${i}`));
      const before = keys.map((key) => balancer.pick(members, key)!);
      expect(keys.map((key) => balancer.pick(members, key)!)).toEqual(before);
      const remaining = members.slice(1);
      const after = keys.map((key) => balancer.pick(remaining, key)!);
      const moved = after.filter((state, i) => state !== before[i] && before[i] !== members[0]).length;
      // Keys of the other endpoints stay put (a few may move with Maglev's table; far from the ~80% of a rehash).
      expect(moved).toBeLessThan(50);
      expect(after.every((state) => state !== members[0])).toBe(true);
    });
  }
});
