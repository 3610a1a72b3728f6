import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { INJECT_ANNOTATION } from '../lib/injection';

/** Container resources as Kubernetes takes them. */
export interface ContainerResources {
  /** Reserved for the container, like `{ cpu: '100m', memory: '128Mi' }`. */
  readonly requests: Readonly<Record<string, string>>;
  /** The most it may use; memory at least, so a leak is killed rather than starving the node. */
  readonly limits: Readonly<Record<string, string>>;
}

/** What the restricted Pod Security Standard asks of every container, plus a read-only root filesystem. */
export const HARDENED_CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

/** The UID the Meshform images run as (the `USER` of their Dockerfiles); add-ons run as theirs. */
export const MESHFORM_UID = 10001;

/** One hardened Deployment's parts that differ between the control plane and the add-ons. */
export interface HardenedDeploymentOptions {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly serviceAccountName?: string;
  /** UID (and GID) of every container. */
  readonly uid: number;
  readonly containers: readonly Record<string, unknown>[];
  readonly volumes?: readonly Record<string, unknown>[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly affinity?: Record<string, unknown>;
  /** Namespaced sysctls of the pod, from the set the restricted standard allows. */
  readonly sysctls?: readonly { readonly name: string; readonly value: string }[];
}

/**
 * A Deployment whose pod passes the restricted Pod Security Standard: non-root, seccomp
 * RuntimeDefault, no capabilities, read-only root filesystem (writable paths are emptyDirs the
 * caller mounts). Containers bring their own probes and resources.
 */
export function hardenedDeployment(scope: Construct, id: string, o: HardenedDeploymentOptions): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: o.name, namespace: o.namespace, labels: { ...o.labels } },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { ...o.labels } },
      template: {
        metadata: { labels: { ...o.labels }, annotations: { [INJECT_ANNOTATION]: 'false', ...o.annotations } },
        spec: {
          ...(o.serviceAccountName ? { serviceAccountName: o.serviceAccountName } : { automountServiceAccountToken: false }),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: o.uid,
            runAsGroup: o.uid,
            fsGroup: o.uid,
            seccompProfile: { type: 'RuntimeDefault' },
            ...(o.sysctls?.length ? { sysctls: o.sysctls } : {}),
          },
          ...(o.affinity ? { affinity: o.affinity } : {}),
          containers: o.containers.map((c) => ({ securityContext: HARDENED_CONTAINER_SECURITY, ...c })),
          ...(o.volumes?.length ? { volumes: o.volumes } : {}),
        },
      },
    },
  });
}

/** Replicas preferably on different nodes, so losing a node never loses them all (preferred: a one-node dev cluster still schedules them). */
export function spreadOverNodes(selector: Readonly<Record<string, string>>): Record<string, unknown> {
  return { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...selector } } } }] } };
}

/** A PodDisruptionBudget letting a voluntary disruption (drain, upgrade) take one replica at a time. */
export function oneAtATimeDisruptionBudget(scope: Construct, id: string, metadata: Record<string, unknown>, selector: Readonly<Record<string, string>>): ApiObject {
  return new ApiObject(scope, id, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata, spec: { maxUnavailable: 1, selector: { matchLabels: { ...selector } } } });
}
