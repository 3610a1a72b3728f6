import type { Construct } from 'constructs';
import type { ConnectionPool, OutlierDetection, RetryBudget, TrafficPolicySpecInput } from '../lib/api';
import type { LoadBalancer } from './load-balancer';
import { MeshResourceConstruct, type MeshResourceProps } from './mesh-resource';
import type { IServiceRef } from './service-ref';

/** Props of a TrafficPolicy. */
export interface TrafficPolicyProps extends MeshResourceProps {
  /** The destination service the policy applies to (on the callers' side, like Istio's DestinationRule). */
  readonly service: IServiceRef;
  /**
   * Narrows the policy to one version (label subset) of the service.
   * @default every version
   */
  readonly version?: string;
  /**
   * How callers pick an endpoint.
   * @default LoadBalancer.roundRobin()
   */
  readonly loadBalancer?: LoadBalancer;
  /**
   * Limits on connections and requests in flight to the destination (Istio semantics).
   * @default no limits
   */
  readonly connectionPool?: ConnectionPool;
  /**
   * Ejection of endpoints that keep failing (Istio semantics).
   * @default no outlier detection
   */
  readonly outlierDetection?: OutlierDetection;
  /**
   * Retry budget for calls to this destination (Linkerd semantics).
   * @default the mesh's retry budget
   */
  readonly retryBudget?: RetryBudget;
}

/** How callers treat a destination: load balancing, connection pool, outlier detection, retry budget. */
export class TrafficPolicy extends MeshResourceConstruct<'TrafficPolicy'> {
  /** The destination service. */
  readonly service: IServiceRef;
  protected readonly props: TrafficPolicyProps;

  constructor(scope: Construct, id: string, props: TrafficPolicyProps) {
    super(scope, id, 'TrafficPolicy', props, props.service.namespace);
    this.service = props.service;
    this.props = props;
    this.checkNow();
  }

  protected override renderSpec(): TrafficPolicySpecInput {
    const { service, version, loadBalancer, connectionPool, outlierDetection, retryBudget } = this.props;
    return {
      service: { name: service.name, ...(service.namespace !== undefined ? { namespace: service.namespace } : {}), ...(version !== undefined ? { version } : {}) },
      ...(loadBalancer ? { loadBalancer: loadBalancer.toSpec() } : {}),
      ...structuredClone({ connectionPool, outlierDetection, retryBudget }),
    };
  }
}
