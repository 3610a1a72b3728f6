import { TypeUrl } from '../xds';
import type { SpecOf } from '../api';
import type { EnvoyMessage } from './envoy-types';
import { duration, fractionalPercent } from './proto-values';

type FaultInjection = NonNullable<SpecOf<'TrafficRoute'>['rules'][number]['fault']>;

const GRPC_STATUS: Record<string, number> = {
  CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

/** The fault filter's empty listener-level config: faults are set per route. */
export function faultFilterConfig(): EnvoyMessage {
  return { '@type': TypeUrl.HttpFault };
}

/** The per-route HTTPFault (`typed_per_filter_config["envoy.filters.http.fault"]`). */
export function envoyFault(fault: FaultInjection): EnvoyMessage {
  const out: EnvoyMessage = { '@type': TypeUrl.HttpFault };
  if (fault.delay) out['delay'] = { fixed_delay: duration(fault.delay.fixedDelay), percentage: fractionalPercent(fault.delay.percent) };
  if (fault.abort) {
    const status = fault.abort.httpStatus !== undefined ? { http_status: fault.abort.httpStatus } : { grpc_status: GRPC_STATUS[fault.abort.grpcStatus!] };
    out['abort'] = { ...status, percentage: fractionalPercent(fault.abort.percent) };
  }
  return out;
}
