import { durationToMs, type Duration } from '../../lib/xds';
import { ConfigError } from '../errors';

/** The retry_on words this proxy implements (Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on). */
const HTTP_WORDS = [
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'refused-stream',
  'retriable-4xx',
  'retriable-status-codes',
  'envoy-ratelimited',
  'http3-post-connect-failure',
] as const;

/** gRPC words map to the grpc-status they retry. */
const GRPC_WORDS: Record<string, number> = {
  cancelled: 1,
  'deadline-exceeded': 4,
  internal: 13,
  'resource-exhausted': 8,
  unavailable: 14,
};

export type RetryWord = (typeof HTTP_WORDS)[number];

export interface RetryPolicy {
  readonly on: ReadonlySet<RetryWord>;
  readonly grpcStatuses: ReadonlySet<number>;
  readonly retriableStatusCodes: ReadonlySet<number>;
  readonly numRetries: number;
  readonly perTryTimeoutMs: number | undefined;
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
}

interface RetryPolicyMessage {
  retry_on?: string;
  num_retries?: { value?: number } | null;
  per_try_timeout?: Duration | null;
  retry_back_off?: { base_interval?: Duration; max_interval?: Duration } | null;
  retriable_status_codes?: number[];
}

const DEFAULT_BASE_INTERVAL_MS = 25;

export function compileRetryPolicy(message: RetryPolicyMessage, resource: string): RetryPolicy {
  const on = new Set<RetryWord>();
  const grpcStatuses = new Set<number>();
  for (const raw of (message.retry_on ?? '').split(',')) {
    const word = raw.trim();
    if (!word) continue;
    if ((HTTP_WORDS as readonly string[]).includes(word)) on.add(word as RetryWord);
    else if (word in GRPC_WORDS) grpcStatuses.add(GRPC_WORDS[word]!);
    else throw new ConfigError(resource, `unknown retry_on word ${JSON.stringify(word)}`);
  }
  const baseIntervalMs = durationToMs(message.retry_back_off?.base_interval) ?? DEFAULT_BASE_INTERVAL_MS;
  return {
    on,
    grpcStatuses,
    retriableStatusCodes: new Set(message.retriable_status_codes ?? []),
    numRetries: message.num_retries?.value ?? 1,
    perTryTimeoutMs: durationToMs(message.per_try_timeout) || undefined,
    baseIntervalMs,
    maxIntervalMs: durationToMs(message.retry_back_off?.max_interval) ?? baseIntervalMs * 10,
  };
}
