import { setTimeout as sleep } from 'node:timers/promises';
import { durationToMs, type Duration, type XdsMessage } from '../../lib/xds';
import { fractionOf } from '../config/fractional-percent';
import { compileHeaderMatcher, type RouteInput } from '../config/route-table';
import { ConfigError, ErrorCode } from '../errors';
import type { Filter } from '../http/filter';
import { ResponseFlag } from '../http/response-flags';
import { perRouteConfig } from './per-route';

/** A compiled envoy.extensions.filters.http.fault.v3.HTTPFault. */
export class FaultConfig {
  constructor(
    readonly delay: { readonly ms: number; readonly fraction: number } | undefined,
    readonly abort: { readonly status: number; readonly grpcStatus: number | undefined; readonly fraction: number } | undefined,
    readonly appliesTo: (request: RouteInput) => boolean,
    readonly maxActiveFaults: number,
  ) {}
}

export function compileFault(message: XdsMessage, resource: string): FaultConfig {
  const delay = message['delay'] as XdsMessage | undefined;
  const abort = message['abort'] as XdsMessage | undefined;
  // 'secifier' is Envoy's own spelling of the oneof.
  if (delay && delay['fault_delay_secifier'] !== undefined && delay['fault_delay_secifier'] !== 'fixed_delay') {
    throw new ConfigError(resource, 'only fixed_delay fault delays are supported');
  }
  if (abort && abort['error_type'] !== 'http_status' && abort['error_type'] !== 'grpc_status') {
    throw new ConfigError(resource, `unsupported fault abort ${String(abort['error_type'])}`);
  }
  const headers = ((message['headers'] as XdsMessage[] | undefined) ?? []).map((header) => compileHeaderMatcher(header, resource));
  return new FaultConfig(
    delay ? { ms: durationToMs(delay['fixed_delay'] as Duration) ?? 0, fraction: fractionOf(delay['percentage'] as never, 1) } : undefined,
    abort
      ? {
          status: abort['error_type'] === 'http_status' ? Number(abort['http_status']) : 200,
          grpcStatus: abort['error_type'] === 'grpc_status' ? Number(abort['grpc_status']) : undefined,
          fraction: fractionOf(abort['percentage'] as never, 1),
        }
      : undefined,
    (request) => headers.every((matches) => matches(request)),
    (message['max_active_faults'] as { value?: number } | undefined)?.value ?? Infinity,
  );
}

/**
 * envoy.filters.http.fault: delays and/or aborts a fraction of requests. A route's own fault
 * config replaces the listener's.
 */
export function faultFilter(name: string, listenerConfig: FaultConfig): Filter {
  let active = 0;
  return (next) => async (req, res) => {
    const config = perRouteConfig(req, name, FaultConfig) ?? listenerConfig;
    if (!config.appliesTo(req) || active >= config.maxActiveFaults) return next(req, res);
    const delay = config.delay && Math.random() < config.delay.fraction ? config.delay.ms : 0;
    const abort = config.abort && Math.random() < config.abort.fraction ? config.abort : undefined;
    if (!delay && !abort) return next(req, res);
    active += 1;
    try {
      if (delay) {
        req.flags.add(ResponseFlag.FaultInjectedDelay);
        await sleep(delay);
      }
    } finally {
      active -= 1;
    }
    if (!abort) return next(req, res);
    req.flags.add(ResponseFlag.FaultInjectedAbort);
    if (abort.grpcStatus !== undefined) {
      res.errorCode = ErrorCode.FaultAbort;
      res.writeHead(200, { 'content-type': 'application/grpc', 'grpc-status': String(abort.grpcStatus), 'grpc-message': 'fault filter abort' });
      res.end();
      return;
    }
    res.localReply(abort.status, ErrorCode.FaultAbort, 'fault filter abort');
  };
}
