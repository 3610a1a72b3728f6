import { CostError } from './cost-error';

const SUFFIX: Readonly<Record<string, number>> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

function quantity(text: string, where: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(text);
  if (!m) throw new CostError('COST_QUANTITY', `${where}: "${text}" is not a Kubernetes quantity; write it like "100m", "2", "64Mi" or "1Gi"`);
  return Number(m[1]) * SUFFIX[m[2] ?? '']!;
}

/** vCPUs of a CPU quantity: "50m" → 0.05, "2" → 2. */
export const cpuCores = (text: string, where: string): number => quantity(text, where);

/** GiB of a memory quantity: "64Mi" → 0.0625, "1Gi" → 1. */
export const memoryGib = (text: string, where: string): number => quantity(text, where) / 2 ** 30;
