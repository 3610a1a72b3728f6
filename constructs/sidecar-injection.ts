import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { API_GROUP_VERSION } from '../lib/api';
import { injectionConfig, injectionDecision, injectSidecar, meshCaptureOf, sidecarFor, type InjectionConfig, type InjectionConfigInput, type MeshCapture, type PodLike } from '../lib/injection';
import { validateResource } from '../lib/validation';

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
 *
 * Outbound capture (`includeOutboundPorts: 'mesh'`) takes the ports of every MeshService and
 * ExternalService in the app, and its Mesh's `outboundPolicy`: a port added to the mesh changes
 * every injected template, so the next rollout captures it.
 */
export class SidecarInjection extends Construct {
  /** The config with defaults applied. */
  readonly config: InjectionConfig;
  private meshMemo?: { readonly objects: readonly ApiObject[]; readonly capture: MeshCapture };

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
    return injectSidecar(template, sidecarFor(template, { namespace, mesh: this.mesh() }, this.config));
  }

  /**
   * The mesh as the app's mesh resources describe it; those failing their schema are left out (synth
   * reports them). Every injected template asks at synth, so it is worked out again only when the
   * set of mesh resources in the app changed.
   */
  private mesh(): MeshCapture {
    const objects = this.node.root.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && c.apiVersion === API_GROUP_VERSION);
    const memo = this.meshMemo;
    if (memo && memo.objects.length === objects.length && memo.objects.every((o, i) => o === objects[i])) return memo.capture;
    const resources = objects.flatMap((o) => {
      const result = validateResource(o.toJson());
      return result.ok ? [result.resource] : [];
    });
    const capture = meshCaptureOf(resources);
    this.meshMemo = { objects, capture };
    return capture;
  }
}
