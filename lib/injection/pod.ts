/**
 * The small part of the Kubernetes Pod schema injection reads and writes, as plain JSON: the same
 * shape a cdk8s pod template and an AdmissionReview's Pod have. Unknown fields are kept as they are.
 */
export type JsonObject = { [key: string]: unknown };

export interface Container extends JsonObject {
  readonly name: string;
}

export interface Volume extends JsonObject {
  readonly name: string;
}

export interface PodMetadata extends JsonObject {
  readonly name?: string;
  readonly generateName?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface PodSpec extends JsonObject {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly serviceAccountName?: string;
  readonly hostNetwork?: boolean;
}

/** A Pod, or a pod template (`spec.template` of a Deployment, Job, …). */
export interface PodLike extends JsonObject {
  readonly metadata?: PodMetadata;
  readonly spec: PodSpec;
}

/**
 * A Downward API reference to a pod field, written whole: the API server fills in `apiVersion`
 * when it is missing, and a second field manager applying the same manifest then conflicts on the
 * atomic `fieldRef`.
 */
export function podFieldRef(fieldPath: string): { readonly fieldRef: { readonly apiVersion: 'v1'; readonly fieldPath: string } } {
  return { fieldRef: { apiVersion: 'v1', fieldPath } };
}
