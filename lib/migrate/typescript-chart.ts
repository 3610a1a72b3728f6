import type { Draft } from './import-context';

/** Placeholder until the construct writer lands. */
export function typescriptChart(resources: readonly Draft[]): string {
  return JSON.stringify(resources);
}
