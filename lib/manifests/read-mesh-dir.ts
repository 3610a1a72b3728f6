import type { MeshResource } from '../api';
import { validateResource, type Finding } from '../validation';
import { isMeshObject, readManifestDir } from './read-manifests';

/** The mesh resources of a manifest folder: the valid ones, where each came from, and what is wrong with the others. */
export interface MeshDir {
  readonly resources: readonly MeshResource[];
  readonly findings: readonly Finding[];
  /** `file#document Kind namespace/name`, for messages about a valid resource. */
  placeOf(resource: MeshResource): string;
}

/** Reads every YAML file under `dir` and validates each mesh resource in it; other objects are skipped. */
export function readMeshDir(dir: string): MeshDir {
  const resources: MeshResource[] = [];
  const findings: Finding[] = [];
  const places = new Map<MeshResource, string>();
  for (const m of readManifestDir(dir).filter((x) => isMeshObject(x.object))) {
    const meta = (m.object.metadata ?? {}) as { name?: string; namespace?: string };
    const place = `${m.file}#${m.index} ${String(m.object.kind)} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? '<unnamed>'}`;
    const result = validateResource(m.object, place);
    if (result.ok) {
      resources.push(result.resource);
      places.set(result.resource, place);
    } else {
      findings.push(...result.findings);
    }
  }
  return { resources, findings, placeOf: (r) => places.get(r) ?? r.metadata.name };
}
