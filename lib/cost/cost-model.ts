import { sum, type MeshFootprint, type MeshedWorkload, type Resources } from './mesh-footprint';
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
  readonly controlPlane: { readonly name: string; readonly replicas: number; readonly perReplica: Resources; readonly total: Resources; readonly monthlyUsd: number } | null;
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

/** The monthly cost of an environment's sidecars under each figure, and of its control plane. */
export function estimateCost(inputs: CostInputs): CostReport {
  const cp = inputs.footprint.controlPlane;
  const cpTotal = cp && { vcpu: cp.perReplica.vcpu * cp.replicas, gib: cp.perReplica.gib * cp.replicas };
  return {
    env: inputs.env,
    rpsPerPod: inputs.rpsPerPod,
    prices: inputs.prices,
    hoursPerMonth: HOURS_PER_MONTH,
    pods: sum(inputs.footprint.workloads.map((w) => w.replicas)),
    workloads: inputs.footprint.workloads,
    sidecars: inputs.figures.map((f) => sidecarsUnder(f, inputs)),
    controlPlane: cp && cpTotal ? { name: `${cp.namespace}/${cp.name}`, replicas: cp.replicas, perReplica: cp.perReplica, total: cpTotal, monthlyUsd: monthlyUsd(cpTotal, inputs.prices) } : null,
  };
}
