import type { Construct } from 'constructs';
import { MeshResourceConstruct, type MeshResourceProps } from './mesh-resource';
import { PolicyTarget } from './policy-target';

/** The kinds that name what they apply to with a `targetRef`. */
export type TargetedKind = 'MtlsPolicy' | 'AccessPolicy' | 'JwtPolicy' | 'RateLimit' | 'Telemetry';

/** Props of every policy that applies to the mesh, a namespace or a service. */
export interface TargetedPolicyProps extends MeshResourceProps {
  /**
   * What the policy applies to.
   * @default PolicyTarget.namespace(): every workload in the policy's namespace
   */
  readonly target?: PolicyTarget;
}

/** A construct rendering one policy with a `targetRef`; it lives in its target service's (or gateway's) namespace unless told otherwise. */
export abstract class TargetedPolicy<K extends TargetedKind> extends MeshResourceConstruct<K> {
  /** What the policy applies to. */
  readonly target: PolicyTarget;

  protected constructor(scope: Construct, id: string, kind: K, props: TargetedPolicyProps) {
    super(scope, id, kind, props, props.target?.namespace);
    this.target = props.target ?? PolicyTarget.namespace();
  }
}
