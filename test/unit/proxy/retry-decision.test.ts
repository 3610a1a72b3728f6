import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compileRetryPolicy } from '../../../proxy/config/retry-policy';
import { isRetriable, retryBackoffMs } from '../../../proxy/http/retry-decision';
import type { AttemptResult } from '../../../proxy/http/upstream-request';

const response = (statusCode: number, headers: Record<string, string> = {}): AttemptResult => ({
  kind: 'response',
  response: { statusCode, headers, body: undefined as unknown as Readable, trailers: () => ({}), discard: () => undefined },
});
const failure = (reason: 'connect-failure' | 'reset' | 'timeout' | 'overflow'): AttemptResult => ({ kind: 'failure', reason, message: reason });

describe('retry decisions', () => {
  it('retries 5xx and connection problems under "5xx", but never an overflow', () => {
    const policy = compileRetryPolicy({ retry_on: '5xx' }, 'r');
    expect(isRetriable(policy, response(500))).toBe(true);
    expect(isRetriable(policy, response(404))).toBe(false);
    expect(isRetriable(policy, failure('connect-failure'))).toBe(true);
    expect(isRetriable(policy, failure('reset'))).toBe(true);
    expect(isRetriable(policy, failure('overflow'))).toBe(false);
  });

  it('retries only 502, 503 and 504 under "gateway-error"', () => {
    const policy = compileRetryPolicy({ retry_on: 'gateway-error' }, 'r');
    expect([500, 502, 503, 504].map((status) => isRetriable(policy, response(status)))).toEqual([false, true, true, true]);
  });

  it('retries listed status codes, 409 under retriable-4xx, and gRPC statuses by name', () => {
    const policy = compileRetryPolicy({ retry_on: 'retriable-status-codes,retriable-4xx,unavailable', retriable_status_codes: [429] }, 'r');
    expect(isRetriable(policy, response(429))).toBe(true);
    expect(isRetriable(policy, response(409))).toBe(true);
    expect(isRetriable(policy, response(200, { 'grpc-status': '14' }))).toBe(true);
    expect(isRetriable(policy, response(200, { 'grpc-status': '5' }))).toBe(false);
  });

  it('keeps backoff within [0, min(max interval, base × 2^retry))', () => {
    const policy = compileRetryPolicy({ retry_on: '5xx', retry_back_off: { base_interval: { seconds: 0, nanos: 100_000_000 }, max_interval: { seconds: 0, nanos: 300_000_000 } } }, 'r');
    for (let i = 0; i < 100; i++) {
      expect(retryBackoffMs(policy, 0)).toBeLessThan(100);
      expect(retryBackoffMs(policy, 5)).toBeLessThan(300);
    }
    expect(policy.numRetries).toBe(1);
  });
});
