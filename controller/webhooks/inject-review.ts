import { injectionDecision, sidecarFor, sidecarPatch, type InjectionConfig, type MeshCapture, type PodLike } from '../../lib/injection';
import type { AdmissionDecision, AdmissionRequest } from './admission-review';

function isPod(value: unknown): value is PodLike {
  const spec = (value as { spec?: { containers?: unknown } } | null)?.spec;
  return typeof value === 'object' && value !== null && Array.isArray(spec?.containers);
}

/**
 * The mutating webhook's answer for one Pod: the JSON patch that adds the sidecar, nothing for
 * pods that opt out or are already injected. `optInRequired` serves namespaces without the
 * injection label, where only pods annotated `meshform.dev/inject: "true"` are injected. `mesh` is
 * the mesh as the webhook knows it now (its ports are the ones captured), undefined until it has
 * read it: a pod is then refused, since its rules would capture none of the mesh's ports (or, with a
 * list of ports, miss the mesh's REGISTRY_ONLY).
 */
export function reviewInjection(request: AdmissionRequest, config: InjectionConfig, mesh: MeshCapture | undefined, optInRequired: boolean): AdmissionDecision {
  if (request.operation !== 'CREATE') return { allowed: true };
  if (!isPod(request.object)) return { allowed: false, code: 400, message: 'the injection webhook expects a Pod with spec.containers' };
  const pod = request.object;
  const decision = injectionDecision(pod, { optInRequired });
  if (!decision.inject) return { allowed: true };
  if (mesh === undefined && config.includeOutboundPorts !== 'all') {
    return { allowed: false, code: 503, message: "the injection webhook has not yet read the mesh's MeshServices and ExternalServices from the API server (it retries every 5 s; see the webhooks container's log); create the pod again shortly" };
  }
  const namespace = request.namespace ?? pod.metadata?.namespace ?? 'default';
  try {
    return { allowed: true, patch: sidecarPatch(pod, sidecarFor(pod, { namespace, ...(mesh ? { mesh } : {}) }, config)) };
  } catch (error) {
    // A malformed per-pod annotation: refusing the pod with the reason beats starting it outside the mesh.
    return { allowed: false, code: 400, message: (error as Error).message };
  }
}
