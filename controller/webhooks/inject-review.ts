import { injectionDecision, sidecarFor, sidecarPatch, type InjectionConfig, type PodLike } from '../../lib/injection';
import type { AdmissionDecision, AdmissionRequest } from './admission-review';

function isPod(value: unknown): value is PodLike {
  const spec = (value as { spec?: { containers?: unknown } } | null)?.spec;
  return typeof value === 'object' && value !== null && Array.isArray(spec?.containers);
}

/**
 * The mutating webhook's answer for one Pod: the JSON patch that adds the sidecar, nothing for
 * pods that opt out or are already injected. `optInRequired` serves namespaces without the
 * injection label, where only pods annotated `meshform.dev/inject: "true"` are injected.
 */
export function reviewInjection(request: AdmissionRequest, config: InjectionConfig, optInRequired: boolean): AdmissionDecision {
  if (request.operation !== 'CREATE') return { allowed: true };
  if (!isPod(request.object)) return { allowed: false, code: 400, message: 'the injection webhook expects a Pod with spec.containers' };
  const pod = request.object;
  const decision = injectionDecision(pod, { optInRequired });
  if (!decision.inject) return { allowed: true };
  const namespace = request.namespace ?? pod.metadata?.namespace ?? 'default';
  try {
    return { allowed: true, patch: sidecarPatch(pod, sidecarFor(pod, { namespace }, config)) };
  } catch (error) {
    // A malformed per-pod annotation: refusing the pod with the reason beats starting it outside the mesh.
    return { allowed: false, code: 400, message: (error as Error).message };
  }
}
