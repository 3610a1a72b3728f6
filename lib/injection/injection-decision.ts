import { INJECT_ANNOTATION, INJECTED_ANNOTATION } from './annotations';
import type { PodLike } from './pod';
import { PROXY_CONTAINER } from './sidecar';

export type InjectionDecision = { readonly inject: true } | { readonly inject: false; readonly reason: string };

/** Whether a pod gets a sidecar. */
export interface DecisionOptions {
  /**
   * The pod must ask with `meshform.dev/inject: "true"` (its namespace is not labelled for injection).
   * @default false
   */
  readonly optInRequired?: boolean;
}

/** Whether to inject, and if not why (the webhook logs the reason, tests assert it). */
export function injectionDecision(pod: PodLike, options: DecisionOptions = {}): InjectionDecision {
  const annotations = pod.metadata?.annotations ?? {};
  if (annotations[INJECTED_ANNOTATION] !== undefined || [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].some((c) => c.name === PROXY_CONTAINER)) {
    return { inject: false, reason: 'already injected' };
  }
  if (annotations[INJECT_ANNOTATION] === 'false') return { inject: false, reason: `opted out with ${INJECT_ANNOTATION}: "false"` };
  if (pod.spec.hostNetwork) return { inject: false, reason: 'hostNetwork pods share the node network; capturing it would capture the node' };
  if (options.optInRequired && annotations[INJECT_ANNOTATION] !== 'true') return { inject: false, reason: `not opted in (namespace not labelled, no ${INJECT_ANNOTATION}: "true")` };
  return { inject: true };
}
