import type { Construct } from 'constructs';
import type { ConstructFinding } from './mesh-resource';
import { TrafficPolicy, type TrafficPolicyProps } from './traffic-policy';

/** Props of a CircuitBreaker: a TrafficPolicy's, with at least one of `connectionPool` and `outlierDetection`. */
export type CircuitBreakerProps = TrafficPolicyProps;

/**
 * A TrafficPolicy that breaks the circuit to an overloaded or failing destination: connection pool
 * limits, outlier detection, or both. It may also carry the destination's load balancer, since a
 * destination has one TrafficPolicy.
 */
export class CircuitBreaker extends TrafficPolicy {
  constructor(scope: Construct, id: string, props: CircuitBreakerProps) {
    super(scope, id, props);
  }

  protected override constructFindings(): ConstructFinding[] {
    const { connectionPool, outlierDetection } = this.props;
    if (connectionPool === undefined && outlierDetection === undefined) {
      return [{ code: 'CIRCUIT_BREAKER_EMPTY', field: 'connectionPool', message: 'and outlierDetection are both unset, so nothing would ever break the circuit', fix: 'set connectionPool limits, outlierDetection, or both' }];
    }
    return [];
  }
}
