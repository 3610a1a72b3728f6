import { formatFinding, validateResource } from '../../lib/validation';
import type { MeshResource } from '../../lib/api';
import { MeshModel } from '../../lib/model';
import { toStruct, type JsonValue, type XdsNode } from '../../lib/xds';
import { proxyIdentity, type ProxyIdentity, type WorkloadInstance } from '../../lib/translate';

/** A validated mesh resource from a manifest-like object (defaults applied); throws the findings. */
export function resource(kind: string, name: string, spec: object, namespace = 'default'): MeshResource {
  const result = validateResource({ apiVersion: 'meshform.dev/v1alpha1', kind, metadata: { name, ...(kind === 'Mesh' ? {} : { namespace }) }, spec });
  if (!result.ok) throw new Error(result.findings.map(formatFinding).join('\n'));
  return result.resource;
}

export function meshService(name: string, spec: Partial<{ ports: object[]; versions: object[]; calls: object[]; serviceAccount: string; sidecar: object }> = {}, namespace = 'default'): MeshResource {
  return resource('MeshService', name, { selector: { app: name }, ports: [{ port: 9080, protocol: 'grpc' }], ...spec }, namespace);
}

export function model(...resources: MeshResource[]): MeshModel {
  return new MeshModel(resources);
}

/** One instance of a workload on an address; labels default to app=<service>. */
export function instance(service: string, address: string, labels: Record<string, string> = {}, extra: Partial<WorkloadInstance> = {}): WorkloadInstance {
  return { name: `${service}-${address}`, namespace: 'default', address, labels: { app: service, ...labels }, ...extra };
}

export function sidecarNode(workload: string, ip: string, extra: Record<string, JsonValue> = {}, namespace = 'default'): XdsNode {
  return {
    id: `sidecar~${ip}~${workload}.${namespace}~${namespace}.svc.cluster.local`,
    cluster: workload,
    metadata: toStruct({ NAMESPACE: namespace, WORKLOAD: workload, SERVICE_ACCOUNT: workload, INSTANCE_IP: ip, ...extra }),
  };
}

export function proxylessNode(id = 'grpc-client'): XdsNode {
  return { id, metadata: toStruct({}) };
}

export const sidecar = (workload: string, ip: string, extra: Record<string, JsonValue> = {}): ProxyIdentity => proxyIdentity(sidecarNode(workload, ip, extra));
export const proxyless = (): ProxyIdentity => proxyIdentity(proxylessNode());
