import type { FaultInjectionSpec } from '../lib/api';
import { durationString, type DurationLike } from './duration';

type GrpcStatus = NonNullable<NonNullable<FaultInjectionSpec['abort']>['grpcStatus']>;

/** Options shared by every kind of fault. */
export interface FaultOptions {
  /**
   * Share of requests the fault hits, in percent (fractions allowed).
   * @default 100
   */
  readonly percent?: number;
}

/**
 * Faults the proxy injects to test how callers cope: delays and aborts. Combine both with `and`:
 * `FaultInjection.delay('5s', { percent: 10 }).and(FaultInjection.abort(500, { percent: 10 }))`.
 */
export class FaultInjection {
  /** Holds requests for `duration` before forwarding them. */
  static delay(duration: DurationLike, options: FaultOptions = {}): FaultInjection {
    return new FaultInjection({ delay: { fixedDelay: durationString(duration), ...options } });
  }

  /** Answers with an HTTP status instead of forwarding. */
  static abort(httpStatus: number, options: FaultOptions = {}): FaultInjection {
    return new FaultInjection({ abort: { httpStatus, ...options } });
  }

  /** Answers gRPC calls with a gRPC status instead of forwarding. */
  static abortGrpc(grpcStatus: GrpcStatus, options: FaultOptions = {}): FaultInjection {
    return new FaultInjection({ abort: { grpcStatus, ...options } });
  }

  private constructor(private readonly spec: FaultInjectionSpec) {}

  /** This fault and `other` together; where both set the same fault, `other`'s wins. */
  and(other: FaultInjection): FaultInjection {
    return new FaultInjection({ ...this.spec, ...other.spec });
  }

  /** The fault injection this renders to. */
  toSpec(): FaultInjectionSpec {
    return structuredClone(this.spec);
  }
}
