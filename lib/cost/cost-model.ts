import { sum, type MeshDeploymentFootprint, type MeshFootprint, type MeshedWorkload, type Resources } from './mesh-footprint';
import { monthlyUsd, HOURS_PER_MONTH, type Prices } from './prices';
import type { ProxyFigure } from './proxy-figures';

export interface CostInputs {
  readonly env: string;
  readonly footprint: MeshFootprint;
  /** Meshform's measured figures first, then the published ones. */
  readonly figures: readonly ProxyFigure[];
  readonly rpsPerPod: number;
  readonly prices: Prices;
}

/** One way of running the environment's sidecars; the totals are null when the figure is not published. */
export interface SidecarCost extends ProxyFigure {
  /** Summed over every sidecar; per sidecar it is max(its request, figure × rpsPerPod / 1000) CPU and max(its request, the figure) memory. */
  readonly total: Resources | null;
  readonly monthlyUsd: number | null;
}

export interface CostReport {
  readonly env: string;
  readonly rpsPerPod: number;
  readonly prices: Prices;
  readonly hoursPerMonth: number;
  /** Pods carrying a sidecar. */
  readonly pods: number;
  readonly workloads: readonly MeshedWorkload[];
  readonly sidecars: readonly SidecarCost[];
  readonly controlPlane: DeploymentCost | null;
  /** The same under every figure: a gateway is priced at its requests. */
  readonly gateways: readonly DeploymentCost[];
}

/** A Deployment the mesh itself runs, at what it requests. */
export interface DeploymentCost {
  /** `<namespace>/<name>`. */
  readonly name: string;
  readonly replicas: number;
  readonly perReplica: Resources;
  readonly total: Resources;
  readonly monthlyUsd: number;
}

function deploymentCost(d: MeshDeploymentFootprint, inputs: CostInputs): DeploymentCost {
  const total = { vcpu: d.perReplica.vcpu * d.replicas, gib: d.perReplica.gib * d.replicas };
  return { name: `${d.namespace}/${d.name}`, replicas: d.replicas, perReplica: d.perReplica, total, monthlyUsd: monthlyUsd(total, inputs.prices) };
}

function sidecarsUnder(figure: ProxyFigure, inputs: CostInputs): SidecarCost {
  const { vcpuPer1000Rps, memoryMib } = figure;
  if (vcpuPer1000Rps === null || memoryMib === null) return { ...figure, total: null, monthlyUsd: null };
  const each = inputs.footprint.workloads.map((w) => ({
    replicas: w.replicas,
    vcpu: Math.max(w.sidecarRequest.vcpu, (vcpuPer1000Rps * inputs.rpsPerPod) / 1000),
    gib: Math.max(w.sidecarRequest.gib, memoryMib / 1024),
  }));
  const total = { vcpu: sum(each.map((s) => s.vcpu * s.replicas)), gib: sum(each.map((s) => s.gib * s.replicas)) };
  return { ...figure, total, monthlyUsd: monthlyUsd(total, inputs.prices) };
}

/** The monthly cost of an environment's sidecars under each figure, and of its control plane and gateways. */
export function estimateCost(inputs: CostInputs): CostReport {
  const cp = inputs.footprint.controlPlane;
  return {
    env: inputs.env,
    rpsPerPod: inputs.rpsPerPod,
    prices: inputs.prices,
    hoursPerMonth: HOURS_PER_MONTH,
    pods: sum(inputs.footprint.workloads.map((w) => w.replicas)),
    workloads: inputs.footprint.workloads,
    sidecars: inputs.figures.map((f) => sidecarsUnder(f, inputs)),
    controlPlane: cp ? deploymentCost(cp, inputs) : null,
    gateways: inputs.footprint.gateways.map((g) => deploymentCost(g, inputs)),
  };
}
