import type { RetryBudget, RetryOn, RetryPolicy } from '../lib/api';
import { durationString, type DurationLike } from './duration';

/**
 * When and how often a failed request is tried again. Built fluently and immutably:
 * `Retry.on('gateway-error', 'connect-failure').attempts(3).perTryTimeout('2s')`.
 */
export class Retry {
  /**
   * Retries on these conditions: Envoy's `retry_on` words (`5xx`, `gateway-error`,
   * `connect-failure`, `refused-stream`, `reset`, gRPC `unavailable`, …) or status codes like "503".
   */
  static on(...conditions: RetryOn[]): Retry {
    return new Retry({ retryOn: conditions });
  }

  /** Never retries (zero attempts), overriding any retry a route would otherwise get. */
  static none(): Retry {
    return new Retry({ attempts: 0 });
  }

  private constructor(private readonly spec: RetryPolicy) {}

  /** Retries after the first try. @default 2 */
  attempts(count: number): Retry {
    return new Retry({ ...this.spec, attempts: count });
  }

  /** Timeout of each try; keep it below the route's timeout so retries can run. @default the route's timeout */
  perTryTimeout(duration: DurationLike): Retry {
    return new Retry({ ...this.spec, perTryTimeout: durationString(duration) });
  }

  /** Exponential backoff between tries, from `base` up to `max`. @default 25ms, up to 10 × base */
  backoff(base: DurationLike, max?: DurationLike): Retry {
    return new Retry({ ...this.spec, backoff: { baseInterval: durationString(base), ...(max !== undefined ? { maxInterval: durationString(max) } : {}) } });
  }

  /** A retry budget for this route (Linkerd semantics), overriding the mesh's. @default the mesh's budget */
  budget(budget: RetryBudget): Retry {
    return new Retry({ ...this.spec, budget: { ...budget } });
  }

  /** The retry policy this renders to. */
  toSpec(): RetryPolicy {
    return structuredClone(this.spec);
  }
}
