import type { SpecOf } from '../api';
import type { EnvoyMessage } from './envoy-types';
import { duration, wrapped } from './proto-values';

type RetryPolicy = NonNullable<SpecOf<'TrafficRoute'>['rules'][number]['retry']>;

const STATUS_CODE = /^[45][0-9]{2}$/;

/**
 * Envoy's route `retry_policy`. Status codes in `retryOn` go to `retriable_status_codes` under the
 * `retriable-status-codes` word; Envoy's default max backoff is ten times the base, stated here so
 * that gRPC clients (which default differently) agree.
 */
export function envoyRetryPolicy(retry: RetryPolicy): EnvoyMessage {
  const words = retry.retryOn.filter((w) => !STATUS_CODE.test(w));
  const codes = retry.retryOn.filter((w) => STATUS_CODE.test(w)).map(Number);
  if (codes.length > 0 && !words.includes('retriable-status-codes')) words.push('retriable-status-codes');
  const base = retry.backoff?.baseInterval ?? '25ms';
  const policy: EnvoyMessage = {
    retry_on: words.join(','),
    num_retries: wrapped(retry.attempts),
    retry_back_off: { base_interval: duration(base), max_interval: retry.backoff?.maxInterval ? duration(retry.backoff.maxInterval) : tenTimes(base) },
  };
  if (codes.length > 0) policy['retriable_status_codes'] = codes;
  if (retry.perTryTimeout) policy['per_try_timeout'] = duration(retry.perTryTimeout);
  return policy;
}

function tenTimes(base: string): EnvoyMessage {
  const { seconds, nanos } = duration(base);
  const totalNanos = (Number(seconds) * 1e9 + nanos) * 10;
  return { seconds: String(Math.floor(totalNanos / 1e9)), nanos: totalNanos % 1e9 };
}
