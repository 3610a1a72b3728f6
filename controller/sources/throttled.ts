/**
 * A 429 is the API server's flow control (APF or max-in-flight) asking the client to come back
 * shortly; client-go retries it silently, and so do we instead of reporting a failure.
 */
export function isThrottled(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: number } | undefined;
  return e?.statusCode === 429 || e?.code === 429;
}

/** When to retry after a 429: one to two seconds, jittered so replicas do not come back together. */
export function throttledRetryDelayMs(): number {
  return 1_000 + Math.floor(Math.random() * 1_000);
}
