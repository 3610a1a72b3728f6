/** How the page writes figures: short, unit always shown, a dash where there is nothing to judge. */
import type { GoldenSignals } from '../../lib/dashboard';

export const NONE = '–';

export function formatRps(rps: number): string {
  if (rps === 0) return '0 rps';
  if (rps < 10) return `${rps.toFixed(1)} rps`;
  if (rps < 10_000) return `${Math.round(rps)} rps`;
  return `${(rps / 1000).toFixed(1)}k rps`;
}

/** A success rate (0..1) as a percentage; one decimal, since 99.9 % and 99 % differ a lot. */
export function formatPercent(rate: number | null): string {
  if (rate === null) return NONE;
  const percent = rate * 100;
  return `${percent === 100 || percent === 0 ? percent.toFixed(0) : percent.toFixed(1)}%`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return NONE;
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Rate, success and p99 in one line, as an edge's label and its row in the table. */
export function formatSignals(signals: GoldenSignals): string {
  return `${formatRps(signals.rps)} · ${formatPercent(signals.successRate)} · p99 ${formatMs(signals.p99Ms)}`;
}

/**
 * The label of a call edge: its signals, then on a second line what a reader must not miss
 * (plaintext, denials); two short lines fit between two columns of the layout where one long would not.
 */
export function edgeLabel(signals: GoldenSignals, mtls: boolean, deniedRps: number): string {
  const warnings: string[] = [];
  if (!mtls) warnings.push('plaintext');
  if (deniedRps > 0) warnings.push(`${formatRps(deniedRps).replace(' rps', '/s')} denied`);
  return [formatSignals(signals), ...(warnings.length ? [warnings.join(' · ')] : [])].join('\n');
}

/** Time until (or since) an instant, in the largest whole unit: "in 23 h", "expired 5 min ago". */
export function formatExpiry(iso: string | undefined, now: Date): string {
  if (!iso) return NONE;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return NONE;
  const seconds = Math.round((at - now.getTime()) / 1000);
  const span = Math.abs(seconds);
  const amount = span >= 86_400 ? `${Math.floor(span / 86_400)} d` : span >= 3600 ? `${Math.floor(span / 3600)} h` : span >= 60 ? `${Math.floor(span / 60)} min` : `${span} s`;
  return seconds >= 0 ? `in ${amount}` : `expired ${amount} ago`;
}

/** An ISO instant as a UTC clock time, seconds included (events seconds apart must differ). */
export function formatTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toISOString().slice(11, 19);
}
