import type { SpecOf } from '../api';
import type { EnvoyMessage } from './envoy-types';
import { duration, percentValue, wrapped } from './proto-values';

type OutlierDetection = NonNullable<SpecOf<'TrafficPolicy'>['outlierDetection']>;

/**
 * Envoy's `outlier_detection` plus `healthy_panic_threshold` for minHealthPercent (as Istio does).
 * Success-rate ejection is switched off explicitly: Envoy and gRPC enable it by default, and the
 * mesh API does not ask for it. gRPC clients implement only the percentage detectors, so each
 * consecutive-errors limit N is also expressed as "every one of at least N requests in an interval
 * failed" (failure_percentage), which ejects the same always-failing endpoints.
 */
export function outlierDetectionFields(outlier: OutlierDetection | undefined): EnvoyMessage {
  if (!outlier) return {};
  const consecutive = [outlier.consecutive5xxErrors, outlier.consecutiveGatewayErrors].filter((n): n is number => n !== undefined && n > 0);
  const detection: EnvoyMessage = {
    interval: duration(outlier.interval),
    base_ejection_time: duration(outlier.baseEjectionTime),
    max_ejection_percent: wrapped(Math.round(outlier.maxEjectionPercent)),
    enforcing_success_rate: wrapped(0),
    consecutive_5xx: wrapped(outlier.consecutive5xxErrors ?? 0),
    enforcing_consecutive_5xx: wrapped(outlier.consecutive5xxErrors ? 100 : 0),
    consecutive_gateway_failure: wrapped(outlier.consecutiveGatewayErrors ?? 0),
    enforcing_consecutive_gateway_failure: wrapped(outlier.consecutiveGatewayErrors ? 100 : 0),
  };
  if (consecutive.length > 0) {
    Object.assign(detection, {
      failure_percentage_threshold: wrapped(99),
      enforcing_failure_percentage: wrapped(100),
      failure_percentage_request_volume: wrapped(Math.min(...consecutive)),
      failure_percentage_minimum_hosts: wrapped(1),
    });
  }
  return {
    outlier_detection: detection,
    common_lb_config: { healthy_panic_threshold: percentValue(outlier.minHealthPercent) },
  };
}
