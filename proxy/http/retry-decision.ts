import type { RetryPolicy } from '../config/retry-policy';
import type { AttemptResult } from './upstream-request';

/** Whether an attempt's outcome is retriable under the route's retry_on words (Envoy semantics). */
export function isRetriable(policy: RetryPolicy, result: AttemptResult): boolean {
  const on = policy.on;
  if (result.kind === 'failure') {
    switch (result.reason) {
      case 'connect-failure':
      case 'identity':
        return on.has('connect-failure') || on.has('5xx') || on.has('gateway-error') || on.has('reset-before-request');
      case 'reset':
        return on.has('reset') || on.has('5xx');
      case 'refused-stream':
        return on.has('refused-stream') || on.has('5xx');
      case 'timeout':
        return on.has('5xx') || on.has('gateway-error');
      case 'overflow':
        return false;
    }
  }
  const status = result.response.statusCode;
  if (status >= 500 && on.has('5xx')) return true;
  if ((status === 502 || status === 503 || status === 504) && on.has('gateway-error')) return true;
  if (status === 409 && on.has('retriable-4xx')) return true;
  if (on.has('retriable-status-codes') && policy.retriableStatusCodes.has(status)) return true;
  if (policy.grpcStatuses.size > 0) {
    const grpcStatus = result.response.headers['grpc-status'];
    if (grpcStatus !== undefined && policy.grpcStatuses.has(Number(grpcStatus))) return true;
  }
  return false;
}

/** Envoy's fully jittered exponential backoff: uniform in [0, min(max, base × 2^retry)). */
export function retryBackoffMs(policy: RetryPolicy, retry: number): number {
  return Math.random() * Math.min(policy.maxIntervalMs, policy.baseIntervalMs * 2 ** retry);
}
