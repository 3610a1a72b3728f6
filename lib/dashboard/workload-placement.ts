import type { MeshModel, Resolved } from '../model';
import { selects, type WorkloadInstance } from '../translate';

/** The service and version a workload instance belongs to. */
export interface Placement {
  readonly service: Resolved<'MeshService'>;
  readonly version?: string;
}

/** Each model's MeshServices by namespace, so placing every instance of a big mesh looks in one namespace only. */
const byNamespace = new WeakMap<MeshModel, Map<string, Resolved<'MeshService'>[]>>();

function servicesIn(model: MeshModel, namespace: string): readonly Resolved<'MeshService'>[] {
  let index = byNamespace.get(model);
  if (!index) {
    index = new Map();
    for (const s of model.all('MeshService')) {
      const list = index.get(s.metadata.namespace);
      if (list) list.push(s);
      else index.set(s.metadata.namespace, [s]);
    }
    byNamespace.set(model, index);
  }
  return index.get(namespace) ?? [];
}

/** The MeshService whose selector picks the instance in its namespace, and the version whose labels it carries. */
export function placementOf(model: MeshModel, instance: WorkloadInstance): Placement | undefined {
  const service = servicesIn(model, instance.namespace).find((s) => Object.keys(s.spec.selector).length > 0 && selects(s.spec.selector, instance.labels));
  if (!service) return undefined;
  const version = service.spec.versions.find((v) => selects(v.labels, instance.labels))?.name;
  return version === undefined ? { service } : { service, version };
}

export const serviceNodeId = (namespace: string, service: string): string => `${namespace}/${service}`;
export const versionNodeId = (namespace: string, service: string, version: string): string => `${namespace}/${service}/${version}`;
