import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { injectionConfig, injectionDecision, injectSidecar, sidecarFor, type InjectionConfig, type InjectionConfigInput, type PodLike } from '../lib/injection';

/**
 * Props of SidecarInjection: the mesh's injection config (proxy image, native or classic sidecars,
 * capture exclusions, proxy resources, tracing), the same object the controller's webhook reads.
 */
export type SidecarInjectionProps = Readonly<InjectionConfigInput>;

/**
 * Static sidecar injection: with one of these in the app, every `MeshService` made with
 * `Workload.image` gets its proxy in the synthesized pod template (visible in the GitOps diff),
 * exactly as the webhook would add it at admission. Without one, pods keep only the
 * `meshform.dev/inject` annotation and the webhook injects them.
 */
export class SidecarInjection extends Construct {
  /** The config with defaults applied. */
  readonly config: InjectionConfig;

  /**
   * The SidecarInjection that applies to `scope`: the one in its chart, else the only one in the
   * app; undefined when there is none.
   */
  static of(scope: Construct): SidecarInjection | undefined {
    const isInjection = (c: unknown): c is SidecarInjection => c instanceof SidecarInjection;
    const inChart = Chart.of(scope).node.findAll().filter(isInjection);
    if (inChart.length === 1) return inChart[0];
    const inApp = scope.node.root.node.findAll().filter(isInjection);
    if (inChart.length > 1 || inApp.length > 1) {
      throw new Error(`${scope.node.path}: ${(inChart.length > 1 ? inChart : inApp).map((i) => i.node.path).join(', ')} all configure sidecar injection; keep one per chart`);
    }
    return inApp[0];
  }

  constructor(scope: Construct, id: string, props: SidecarInjectionProps) {
    super(scope, id);
    this.config = injectionConfig(props);
  }

  /** The pod template with its sidecar, or unchanged when the template opts out. */
  inject<P extends PodLike>(template: P, namespace: string): P {
    if (!injectionDecision(template).inject) return template;
    return injectSidecar(template, sidecarFor(template, { namespace }, this.config));
  }
}
