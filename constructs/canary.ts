import type { Construct } from 'constructs';
import type { CanarySpecInput } from '../lib/api';
import { MeshResourceConstruct, type MeshResourceProps } from './mesh-resource';
import type { IServiceRef } from './service-ref';

/** Progressive delivery settings the controller drives (Flagger's `analysis`). */
export type CanaryAnalysis = CanarySpecInput['analysis'];

/** Props of a Canary. */
export interface CanaryProps extends MeshResourceProps {
  /** The service being rolled out. */
  readonly service: IServiceRef;
  /** The TrafficRoute whose weights the controller steps. */
  readonly route: { readonly name: string };
  /** The version serving traffic now. */
  readonly stableVersion: string;
  /** The version being rolled out. */
  readonly canaryVersion: string;
  /**
   * Steps and health thresholds.
   * @default every analysis default: 10% steps every 1m up to 50%, success rate >= 99%, p99 <= 500ms, rollback after 5 failed checks
   */
  readonly analysis?: CanaryAnalysis;
}

/**
 * A progressive canary: the controller raises the canary version's weight in the route step by
 * step while the proxies' own metrics stay within the thresholds, promotes it at the maximum
 * weight, and rolls back after too many failed checks. Usually created by `CanaryRoute`.
 */
export class Canary extends MeshResourceConstruct<'Canary'> {
  private readonly props: CanaryProps;

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id, 'Canary', props, props.service.namespace);
    this.props = props;
    this.checkNow();
  }

  protected override renderSpec(): CanarySpecInput {
    const { service, route, stableVersion, canaryVersion, analysis = {} } = this.props;
    return {
      service: { name: service.name, ...(service.namespace !== undefined ? { namespace: service.namespace } : {}) },
      route: route.name,
      stableVersion,
      canaryVersion,
      analysis: structuredClone(analysis),
    };
  }
}
