export { renderTable, type Column } from '../../lib/format';

/** "✓" when a figure meets its goal, "✗" when not, "–" when there is nothing to judge. */
export function verdict(value: number, limit: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(limit)) return '–';
  return value <= limit ? '✓' : '✗';
}
