import type { MeshModel, Resolved } from '../model';
import { selects, type WorkloadInstance } from '../translate';

/** The service and version a workload instance belongs to. */
export interface Placement {
  readonly service: Resolved<'MeshService'>;
  readonly version?: string;
}

/** The MeshService whose selector picks the instance in its namespace, and the version whose labels it carries. */
export function placementOf(model: MeshModel, instance: WorkloadInstance): Placement | undefined {
  const service = model.all('MeshService').find((s) => s.metadata.namespace === instance.namespace && Object.keys(s.spec.selector).length > 0 && selects(s.spec.selector, instance.labels));
  if (!service) return undefined;
  const version = service.spec.versions.find((v) => selects(v.labels, instance.labels))?.name;
  return version === undefined ? { service } : { service, version };
}

export const serviceNodeId = (namespace: string, service: string): string => `${namespace}/${service}`;
export const versionNodeId = (namespace: string, service: string, version: string): string => `${namespace}/${service}/${version}`;
