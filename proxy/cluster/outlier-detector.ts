import type { OutlierDetectionConfig } from '../config/cluster-config';
import type { EndpointState } from './endpoint-state';

/** How one upstream attempt ended, as outlier detection classifies it. */
export type AttemptOutcome =
  | { kind: 'response'; status: number }
  /** No response: connect failure, reset or timeout. Envoy counts these as gateway failures. */
  | { kind: 'local-failure' };

const isGatewayStatus = (status: number) => status === 502 || status === 503 || status === 504;

/**
 * Envoy's consecutive-failure outlier detection. Counters reset on any non-5xx answer; an endpoint
 * reaching a threshold is ejected for base_ejection_time × (times ejected), capped by
 * max_ejection_time, unless that would eject more than max_ejection_percent (one is always allowed).
 * Returns true when this outcome ejected the endpoint.
 */
export function recordOutcome(
  config: OutlierDetectionConfig,
  endpoint: EndpointState,
  all: readonly EndpointState[],
  outcome: AttemptOutcome,
  now: number,
): boolean {
  const gateway = outcome.kind === 'local-failure' || isGatewayStatus(outcome.status);
  const is5xx = outcome.kind === 'local-failure' || outcome.status >= 500;
  if (!is5xx) {
    endpoint.consecutive5xx = 0;
    endpoint.consecutiveGatewayFailures = 0;
    return false;
  }
  endpoint.consecutive5xx += 1;
  if (gateway) endpoint.consecutiveGatewayFailures += 1;
  else endpoint.consecutiveGatewayFailures = 0;
  const tripped =
    (config.enforce5xx && endpoint.consecutive5xx >= config.consecutive5xx) ||
    (config.enforceGatewayFailure && endpoint.consecutiveGatewayFailures >= config.consecutiveGatewayFailure);
  if (!tripped || endpoint.isEjected(now)) return false;
  const ejected = all.filter((state) => state.isEjected(now)).length;
  if (ejected > 0 && (100 * (ejected + 1)) / all.length > config.maxEjectionPercent) return false;
  endpoint.ejections += 1;
  endpoint.ejectedUntil = now + Math.min(config.baseEjectionTimeMs * endpoint.ejections, config.maxEjectionTimeMs);
  endpoint.consecutive5xx = 0;
  endpoint.consecutiveGatewayFailures = 0;
  return true;
}
