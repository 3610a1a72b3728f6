import { GATEWAY_CONTAINER, PROXY_CONTAINER } from '../injection/sidecar';
import { CONTROL_PLANE_NAMES } from '../naming/control-plane';
import { cpuCores, memoryGib } from './quantity';

/** CPU in vCPUs and memory in GiB. */
export interface Resources {
  readonly vcpu: number;
  readonly gib: number;
}

/** The parts of a synthesized object the footprint reads. */
export interface WorkloadObject {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

interface Container {
  readonly name: string;
  readonly resources?: { readonly requests?: { readonly cpu?: string; readonly memory?: string } } | null;
}
interface PodController {
  readonly replicas?: number;
  readonly template?: { readonly spec?: { readonly containers?: Container[]; readonly initContainers?: Container[] } };
}

/** A workload whose pods carry the Meshform sidecar (statically injected). */
export interface MeshedWorkload {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  /** What the sidecar container requests. */
  readonly sidecarRequest: Resources;
}

/** A Deployment the mesh itself runs (the controller, a gateway), priced at what it requests. */
export interface MeshDeploymentFootprint {
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  /** Every long-running container of one pod, summed. */
  readonly perReplica: Resources;
}

export interface MeshFootprint {
  readonly workloads: readonly MeshedWorkload[];
  readonly controlPlane: MeshDeploymentFootprint | undefined;
  /** Ingress and egress gateways: their traffic is the whole edge's, not a per-pod rate, so their requests are what they cost. */
  readonly gateways: readonly MeshDeploymentFootprint[];
}

/** Kinds whose `spec.replicas` says how many pods run (a DaemonSet's count depends on the cluster's nodes). */
const REPLICATED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

function requests(c: Container, where: string): Resources {
  const r = c.resources?.requests;
  return { vcpu: r?.cpu ? cpuCores(r.cpu, `${where} container ${c.name} cpu request`) : 0, gib: r?.memory ? memoryGib(r.memory, `${where} container ${c.name} memory request`) : 0 };
}

/** The meshed workloads and the control plane of synthesized objects, with their replicas and requests. */
export function meshFootprint(objects: readonly WorkloadObject[]): MeshFootprint {
  const workloads: MeshedWorkload[] = [];
  const gateways: MeshDeploymentFootprint[] = [];
  let controlPlane: MeshDeploymentFootprint | undefined;
  for (const o of objects) {
    if (!REPLICATED.has(o.kind)) continue;
    const spec = o.spec as PodController | undefined;
    const pod = spec?.template?.spec;
    const namespace = o.metadata.namespace ?? 'default';
    const where = `${o.kind} ${namespace}/${o.metadata.name}`;
    const replicas = spec?.replicas ?? 1;
    const containers = [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
    const proxy = containers.find((c) => c.name === PROXY_CONTAINER);
    // Init containers finish before the pod runs: only the long-running containers are held.
    const held = () => {
      const each = (pod?.containers ?? []).map((c) => requests(c, where));
      return { namespace, name: o.metadata.name, replicas, perReplica: { vcpu: sum(each.map((r) => r.vcpu)), gib: sum(each.map((r) => r.gib)) } };
    };
    if (proxy) workloads.push({ kind: o.kind, namespace, name: o.metadata.name, replicas, sidecarRequest: requests(proxy, where) });
    else if (o.kind === 'Deployment' && o.metadata.name === CONTROL_PLANE_NAMES.controller) controlPlane = held();
    else if (o.kind === 'Deployment' && pod?.containers?.some((c) => c.name === GATEWAY_CONTAINER)) gateways.push(held());
  }
  return { workloads, controlPlane, gateways };
}

export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
