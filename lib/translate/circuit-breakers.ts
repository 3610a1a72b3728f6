import type { SpecOf } from '../api';
import type { TranslationContext } from './context';
import type { EnvoyMessage } from './envoy-types';
import { duration, percentValue, wrapped } from './proto-values';

type TrafficPolicy = Partial<SpecOf<'TrafficPolicy'>>;
type RetryBudget = NonNullable<SpecOf<'Mesh'>['retryBudget']>;

/**
 * Connection pool limits and the retry budget as Envoy cluster fields. Envoy's retry budget caps
 * retries in flight as a share of requests in flight: `retryRatio` becomes `budget_percent` and
 * `minRetriesPerSecond` the `min_retry_concurrency` floor; the counting window (`ttl`) has no
 * Envoy equivalent (Envoy counts what is active now), which is reported.
 */
export function connectionPoolFields(ctx: TranslationContext, policy: TrafficPolicy, budget: RetryBudget | undefined, where: string): EnvoyMessage {
  const tcp = policy.connectionPool?.tcp;
  const http = policy.connectionPool?.http;
  const threshold: EnvoyMessage = {
    ...(tcp?.maxConnections !== undefined ? { max_connections: wrapped(tcp.maxConnections) } : {}),
    ...(http?.http1MaxPendingRequests !== undefined ? { max_pending_requests: wrapped(http.http1MaxPendingRequests) } : {}),
    ...(http?.http2MaxRequests !== undefined ? { max_requests: wrapped(http.http2MaxRequests) } : {}),
    ...(http?.maxRetries !== undefined ? { max_retries: wrapped(http.maxRetries) } : {}),
  };
  if (budget) {
    threshold['retry_budget'] = { budget_percent: percentValue(budget.retryRatio * 100), min_retry_concurrency: wrapped(budget.minRetriesPerSecond) };
    ctx.issues.add({
      code: 'APPROXIMATED',
      severity: 'degraded',
      where,
      field: 'retryBudget.ttl',
      message: `is ${budget.ttl}; Envoy budgets retries against requests in flight, without a window, so ttl has no effect`,
    });
  }
  const fields: EnvoyMessage = {};
  if (Object.keys(threshold).length > 0) fields['circuit_breakers'] = { thresholds: [{ priority: 'DEFAULT', ...threshold }] };
  if (tcp?.connectTimeout) fields['connect_timeout'] = duration(tcp.connectTimeout);
  // The Cluster-level forms, which Envoy still honours; in the HttpProtocolOptions extension they
  // would have to be merged with the one http2 ports carry (http2Upstream).
  if (http?.maxRequestsPerConnection) fields['max_requests_per_connection'] = wrapped(http.maxRequestsPerConnection);
  if (http?.idleTimeout) fields['common_http_protocol_options'] = { idle_timeout: duration(http.idleTimeout) };
  return fields;
}
