import type { Resolved } from '../model';
import type { TranslationIndex } from './translation-index';

/**
 * One running instance of a workload (a pod, or a process the local runner started): where it is
 * reached and the labels that select it into services and versions. Both sources (the local
 * registry, Kubernetes Pods + EndpointSlices) produce these.
 */
export interface WorkloadInstance {
  /** Pod or process name, unique in its namespace. */
  readonly name: string;
  readonly namespace: string;
  /** The instance IP; its sidecar's inbound listeners bind here. */
  readonly address: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Where callers reach a service port when it differs from it (service port → port). */
  readonly ports?: Readonly<Record<string, number>>;
  /** Where the application listens, for the sidecar's inbound cluster. @default 127.0.0.1 at targetPort */
  readonly app?: { readonly address: string; readonly ports?: Readonly<Record<string, number>> };
  readonly locality?: { readonly region?: string; readonly zone?: string; readonly subZone?: string };
  /** Instances that are not ready get no traffic. @default true */
  readonly ready?: boolean;
}

export const DEFAULT_APP_ADDRESS = '127.0.0.1';

export function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function selectorOf(service: Resolved<'MeshService'>, version: string | undefined): Record<string, string> {
  const versionLabels = version === undefined ? {} : (service.spec.versions.find((v) => v.name === version)?.labels ?? {});
  return { ...service.spec.selector, ...versionLabels };
}

/** The ready instances of a service (or of one of its versions) in its namespace. */
export function instancesOf(service: Resolved<'MeshService'>, workloads: readonly WorkloadInstance[], version?: string): WorkloadInstance[] {
  const selector = selectorOf(service, version);
  return workloads.filter((w) => w.namespace === service.metadata.namespace && w.ready !== false && selects(selector, w.labels));
}

/** The same as `instancesOf`, through the generation's index: candidates share the selector's first label. */
export function indexedInstancesOf(service: Resolved<'MeshService'>, index: TranslationIndex, version?: string): WorkloadInstance[] {
  const selector = selectorOf(service, version);
  const [first] = Object.entries(selector);
  if (!first) return [];
  return index.withLabel(service.metadata.namespace, first[0], first[1]).filter((w) => w.ready !== false && selects(selector, w.labels));
}

/** The port callers reach an instance on for a service port. */
export function endpointPort(service: Resolved<'MeshService'>, instance: WorkloadInstance, port: number): number {
  const override = instance.ports?.[String(port)];
  if (override !== undefined) return override;
  // A sidecar's inbound listener takes the service port; without one the application answers itself.
  if (service.spec.sidecar.inject) return port;
  return service.spec.ports.find((p) => p.port === port)?.targetPort ?? port;
}
