import type { MeshResource, MeshSpec } from '../api';
import { MeshModel } from '../model';

/**
 * What outbound capture needs to know about the mesh: the ports its MeshServices and
 * ExternalServices are called on, and its `outboundPolicy`. Injection can only learn it when it
 * injects (from the API server for the webhook, from the app for static injection).
 */
export interface MeshCapture {
  /** Ascending, each once. */
  readonly ports: readonly number[];
  readonly outboundPolicy: MeshSpec['outboundPolicy'];
}

/** A mesh with no services yet: nothing is captured outbound, and other traffic passes. */
export const EMPTY_MESH_CAPTURE: MeshCapture = { ports: [], outboundPolicy: 'ALLOW_ANY' };

/** The mesh's capture facts from its (validated) resources; the first Mesh decides the policy, as in the controller. */
export function meshCaptureOf(resources: readonly MeshResource[]): MeshCapture {
  const model = new MeshModel(resources);
  const ports = new Set<number>();
  for (const service of model.all('MeshService')) for (const p of service.spec.ports) ports.add(p.port);
  for (const service of model.all('ExternalService')) for (const p of service.spec.ports) ports.add(p.port);
  return { ports: [...ports].sort((a, b) => a - b), outboundPolicy: model.mesh.outboundPolicy };
}
