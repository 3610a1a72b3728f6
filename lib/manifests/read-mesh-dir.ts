import type { MeshResource } from '../api';
import { convertGatewayApi, gatewayApiKindOf } from '../gateway-api';
import { refuseForeignCertificates, validateResource, type Finding } from '../validation';
import { isMeshObject, readManifestDir } from './read-manifests';

/** The mesh resources of a manifest folder: the valid ones, where each came from, and what is wrong with the others. */
export interface MeshDir {
  readonly resources: readonly MeshResource[];
  readonly findings: readonly Finding[];
  /** `file#document Kind namespace/name`, for messages about a valid resource. */
  placeOf(resource: MeshResource): string;
}

/**
 * Reads every YAML file under `dir` and validates each mesh resource in it; Gateway API objects
 * (Gateway, HTTPRoute, GRPCRoute, ReferenceGrant) are converted as the controller converts them,
 * what they cannot carry out reported; other objects are skipped.
 */
export function readMeshDir(dir: string): MeshDir {
  const resources: MeshResource[] = [];
  const findings: Finding[] = [];
  const places = new Map<MeshResource, string>();
  // Only a MeshGateway made from a Gateway API Gateway may name another namespace's Secret (its ReferenceGrant was checked).
  const add = (object: unknown, place: string, converted = false) => {
    const validated = validateResource(object, place);
    const result = converted ? validated : refuseForeignCertificates(validated, place);
    if (result.ok) {
      resources.push(result.resource);
      places.set(result.resource, place);
    } else {
      findings.push(...result.findings);
    }
  };
  const manifests = readManifestDir(dir);
  for (const m of manifests.filter((x) => isMeshObject(x.object))) {
    const meta = (m.object.metadata ?? {}) as { name?: string; namespace?: string };
    add(m.object, `${m.file}#${m.index} ${String(m.object.kind)} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? '<unnamed>'}`);
  }
  const gatewayApi = manifests.filter((x) => gatewayApiKindOf(x.object));
  const services = new Set(resources.filter((r) => r.kind === 'MeshService' || r.kind === 'ExternalService').map((r) => `${r.metadata.namespace ?? 'default'}/${r.metadata.name}`));
  for (const result of convertGatewayApi(gatewayApi.map((m) => ({ object: m.object, origin: `${m.file}#${m.index}` })), { serviceExists: (ns, name) => services.has(`${ns}/${name}`) })) {
    findings.push(...result.findings);
    for (const d of result.resources) add(d, `${result.origin} ${result.kind} ${result.namespace}/${result.name} → ${d.kind} ${d.metadata.namespace ?? 'default'}/${d.metadata.name}`, true);
  }
  return { resources, findings, placeOf: (r) => places.get(r) ?? r.metadata.name };
}
