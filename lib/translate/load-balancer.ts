import type { SpecOf } from '../api';
import type { TranslationContext } from './context';
import type { EnvoyMessage } from './envoy-types';
import { duration as durationOf, wrapped } from './proto-values';

type LoadBalancer = NonNullable<SpecOf<'TrafficPolicy'>['loadBalancer']>;
type ConsistentHash = NonNullable<LoadBalancer['consistentHash']>;

/**
 * Cluster fields of a load balancer. grpc-js-xds accepts only ROUND_ROBIN and RING_HASH, so a
 * proxyless client gets the nearest of those and the approximation is reported.
 */
export function loadBalancerFields(ctx: TranslationContext, lb: LoadBalancer | undefined, where: string): EnvoyMessage {
  const proxyless = ctx.proxy.kind === 'proxyless';
  const degrade = (field: string, message: string) =>
    ctx.issues.add({ code: 'UNSUPPORTED_BY_PROXYLESS', severity: 'degraded', where, field, message });
  switch (lb?.type ?? 'RoundRobin') {
    case 'RoundRobin':
      return { lb_policy: 'ROUND_ROBIN' };
    case 'LeastRequest':
      if (proxyless) {
        degrade('spec.loadBalancer.type', 'is LeastRequest; proxyless gRPC clients use ROUND_ROBIN instead');
        return { lb_policy: 'ROUND_ROBIN' };
      }
      return { lb_policy: 'LEAST_REQUEST', ...(lb?.choiceCount ? { least_request_lb_config: { choice_count: wrapped(lb.choiceCount) } } : {}) };
    case 'Random':
      if (proxyless) {
        degrade('spec.loadBalancer.type', 'is Random; proxyless gRPC clients use ROUND_ROBIN instead');
        return { lb_policy: 'ROUND_ROBIN' };
      }
      return { lb_policy: 'RANDOM' };
    case 'ConsistentHash': {
      const hash = lb!.consistentHash!;
      if (hash.algorithm === 'Maglev' && !proxyless) return { lb_policy: 'MAGLEV' };
      if (hash.algorithm === 'Maglev') degrade('spec.loadBalancer.consistentHash.algorithm', 'is Maglev; proxyless gRPC clients use RING_HASH instead');
      return { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: wrapped(hash.minimumRingSize), hash_function: 'XX_HASH' } };
    }
  }
}

/**
 * The route's `hash_policy` that feeds a consistent-hash cluster. gRPC clients hash only on
 * headers; for other keys they pick a random endpoint per request, which is reported.
 */
export function hashPolicies(ctx: TranslationContext, hash: ConsistentHash | undefined, where: string): EnvoyMessage[] {
  if (!hash) return [];
  if (hash.header !== undefined) return [{ header: { header_name: hash.header } }];
  if (ctx.proxy.kind === 'proxyless') {
    ctx.issues.add({
      code: 'UNSUPPORTED_BY_PROXYLESS',
      severity: 'degraded',
      where,
      field: 'spec.loadBalancer.consistentHash',
      message: 'hashes on a cookie, source IP or query parameter; proxyless gRPC clients hash only on headers, so requests spread over the ring',
    });
    return [];
  }
  if (hash.cookie) {
    const { name, ttl, path } = hash.cookie;
    return [{ cookie: { name, ...(ttl ? { ttl: durationOf(ttl) } : {}), ...(path ? { path } : {}) } }];
  }
  if (hash.sourceIp) return [{ connection_properties: { source_ip: true } }];
  return [{ query_parameter: { name: hash.queryParam! } }];
}
