/** Paths of the admission webhooks: served by controller/webhooks, named by MeshControlPlane's webhook configurations. */
export const ADMISSION_PATHS = {
  /** Pods in namespaces labelled for injection: injected unless they opt out. */
  inject: '/inject',
  /** Pods elsewhere: injected only when annotated `meshform.dev/inject: "true"`. */
  injectOptIn: '/inject-opt-in',
  /** Mesh resources, checked with validateResource. */
  validate: '/validate',
} as const;
