import type { RouteRuleInput } from '../lib/api';
import type { IServiceRef } from './service-ref';

type MirrorSpec = NonNullable<RouteRuleInput['mirror']>;

/** Options of a traffic mirror. */
export interface TrafficMirrorOptions {
  /**
   * Version (label subset) of the shadow service.
   * @default any version
   */
  readonly version?: string;
  /**
   * Port of the shadow service.
   * @default the route's port
   */
  readonly port?: number;
  /**
   * Share of requests copied, in percent.
   * @default 100
   */
  readonly percent?: number;
}

/** Copies requests to a shadow backend; its answers are discarded, so it can be tried on live traffic. */
export class TrafficMirror {
  /** Mirrors to `service`, like `TrafficMirror.to(reviews, { version: 'v3', percent: 10 })`. */
  static to(service: IServiceRef, options: TrafficMirrorOptions = {}): TrafficMirror {
    const { percent, ...target } = options;
    return new TrafficMirror({
      backend: { name: service.name, ...(service.namespace !== undefined ? { namespace: service.namespace } : {}), ...target },
      ...(percent !== undefined ? { percent } : {}),
    });
  }

  private constructor(private readonly spec: MirrorSpec) {}

  /** The mirror this renders to. */
  toSpec(): MirrorSpec {
    return structuredClone(this.spec);
  }
}
