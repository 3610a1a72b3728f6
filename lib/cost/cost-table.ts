import { renderTable } from '../format';
import type { CostReport, DeploymentCost, SidecarCost } from './cost-model';

const orNaN = (n: number | null | undefined): number => n ?? Number.NaN;

/** The report for a terminal: the sidecar table (one row per figure), the control plane, and where each figure comes from. */
export function formatCostReport(report: CostReport): string {
  const { env, pods, rpsPerPod, prices, hoursPerMonth } = report;
  const sidecars = renderTable(`Sidecars of ${env}: ${pods} pods at ${rpsPerPod} rps each, ${hoursPerMonth} h/month at $${prices.vcpuHour}/vCPU-h and $${prices.gibHour}/GiB-h`, [
    { title: 'sidecar', value: (s: SidecarCost) => s.label },
    { title: 'vCPU/1000 rps', value: (s) => orNaN(s.vcpuPer1000Rps), digits: 3 },
    { title: 'MiB', value: (s) => orNaN(s.memoryMib), digits: 1 },
    { title: 'total vCPU', value: (s) => orNaN(s.total?.vcpu), digits: 3 },
    { title: 'total GiB', value: (s) => orNaN(s.total?.gib), digits: 3 },
    { title: '$/month', value: (s) => orNaN(s.monthlyUsd), digits: 2 },
  ], report.sidecars);
  const requested = (d: DeploymentCost) => `${d.name}: ${d.replicas} × (${d.perReplica.vcpu.toFixed(3)} vCPU, ${d.perReplica.gib.toFixed(3)} GiB) requested = $${d.monthlyUsd.toFixed(2)}/month`;
  const controlPlane = report.controlPlane ? `Control plane ${requested(report.controlPlane)}` : 'Control plane: none in this environment';
  const gateways = report.gateways.map((g) => `Gateway ${requested(g)}`);
  const sources = report.sidecars.map((s) => `  ${s.label}: ${s.source}`);
  return [sidecars, '', controlPlane, ...gateways, '', 'Figures:', ...sources].join('\n');
}
