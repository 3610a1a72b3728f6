import { GOALS } from './support/goals';
import { renderTable, verdict } from './support/table';
import type { LatencyRow, ProxyResults, ProxyUsage, ThroughputRow } from './proxy-overhead';

const PROTOCOL_NAMES = { http1: 'HTTP/1.1', h2: 'HTTP/2' } as const;
/** The path that shows what Node itself costs (bench/proxy-floor.ts); Meshform's figures are also given as multiples of its. */
const FLOOR = 'floor (Node)';
const isMeshform = (path: string) => path.startsWith('Meshform');

/**
 * A row's added p50 and p99 as multiples of another path's on the same protocol; NaN where that
 * path adds no measurable latency (against ~0, which is noise, a ratio would mean nothing).
 */
function addedRatios(row: LatencyRow, rows: readonly LatencyRow[], path: string): [number, number] {
  const other = rows.find((r) => r.path === path && r.protocol === row.protocol);
  const ratio = (mine: number, theirs: number | undefined) => (theirs !== undefined && theirs > 0.02 ? mine / theirs : Number.NaN);
  return [ratio(row.addedP50Ms, other?.addedP50Ms), ratio(row.addedP99Ms, other?.addedP99Ms)];
}

/** "12.3×", or "–" when there is no ratio. */
const times = (ratio: number) => (Number.isFinite(ratio) ? `${ratio.toFixed(1)}×` : '–');

/** Meshform's added p50 and p99 against the goal: each at most GOALS.timesHaproxy times HAProxy's on the same protocol. */
function latencyGoals(row: LatencyRow, rows: readonly LatencyRow[]): string {
  if (row.path !== 'Meshform') return '';
  const [p50, p99] = addedRatios(row, rows, 'HAProxy');
  return `+p50 ${times(p50)} ${verdict(p50, GOALS.timesHaproxy)}  +p99 ${times(p99)} ${verdict(p99, GOALS.timesHaproxy)}  (≤${GOALS.timesHaproxy}× HAProxy)`;
}

/** Meshform's closed-loop requests per core of a proxy role as a share of HAProxy's, against the goal. */
function closedLoopGoal(row: ThroughputRow, rows: readonly ThroughputRow[], role: 'outbound' | 'inbound'): string {
  if (row.path !== 'Meshform') return '';
  const perCore = (r: ThroughputRow | undefined) => r?.proxies.find((p) => p.role === role)?.rpsPerCore ?? Number.NaN;
  const share = perCore(row) / perCore(rows.find((r) => r.path === 'HAProxy'));
  if (!Number.isFinite(share)) return '–';
  return `${(100 * share).toFixed(0)}% ${share >= GOALS.closedLoopShareOfHaproxy ? '✓' : '✗'}`;
}

/** Meshform's (and Meshform + telemetry's) added p50 and p99 as multiples of the floor's: what Meshform's own code adds. */
function floorRatios(row: LatencyRow, rows: readonly LatencyRow[]): string {
  return isMeshform(row.path) ? addedRatios(row, rows, FLOOR).map(times).join(' / ') : '';
}

/** A Meshform proxy's CPU per request as a multiple of the floor's proxy in the same role and protocol. */
function floorCpuRatio(row: LatencyRow, usage: ProxyUsage, rows: readonly LatencyRow[]): number {
  const floor = rows.find((r) => r.path === FLOOR && r.protocol === row.protocol)?.proxies.find((p) => p.role === usage.role);
  return isMeshform(row.path) && floor ? usage.cpuSecondsPer1000 / floor.cpuSecondsPer1000 : Number.NaN;
}

/** The data-plane tables: latency per path, each proxy's CPU and memory, throughput, and the profile's top costs. */
export function proxyTables(results: ProxyResults): string[] {
  const { latency, throughput, profiles, settings } = results;
  const latencyTable = renderTable(`Proxy latency (ms): ${settings.qps} rps constant, ${settings.connections} connections, 1 KB answers, ${settings.rounds}×${settings.roundSeconds}s interleaved per path`, [
    { title: 'protocol', value: (r) => PROTOCOL_NAMES[r.protocol] },
    { title: 'path', value: (r) => r.path },
    { title: 'rps', value: (r) => r.actualQps, digits: 0 },
    { title: 'errors', value: (r) => String(r.errors) },
    { title: 'p50', value: (r) => r.p50Ms, digits: 3 },
    { title: 'p90', value: (r) => r.p90Ms, digits: 3 },
    { title: 'p99', value: (r) => r.p99Ms, digits: 3 },
    { title: 'max', value: (r) => r.maxMs, digits: 1 },
    { title: '+p50', value: (r) => r.addedP50Ms, digits: 3 },
    { title: '+p90', value: (r) => r.addedP90Ms, digits: 3 },
    { title: '+p99', value: (r) => r.addedP99Ms, digits: 3 },
    { title: 'goal (Meshform)', value: (r) => latencyGoals(r, latency) },
    { title: '+p50 / +p99 × floor', value: (r) => floorRatios(r, latency) },
  ], latency);
  const usage = latency.flatMap((r) => r.proxies.map((p) => ({ protocol: PROTOCOL_NAMES[r.protocol], path: r.path, ...p, cpuTimesFloor: floorCpuRatio(r, p, latency) })));
  const usageTable = renderTable('Per proxy under the constant load: CPU seconds per 1000 requests (= vCPU per 1000 rps) and peak RSS', [
    { title: 'protocol', value: (u) => u.protocol },
    { title: 'path', value: (u) => u.path },
    { title: 'proxy', value: (u) => u.role },
    { title: 'cpu s/1000 req', value: (u) => u.cpuSecondsPer1000, digits: 3 },
    { title: `goal ≤${GOALS.cpuPer1000}`, value: (u) => (u.path === 'Meshform' ? verdict(u.cpuSecondsPer1000, GOALS.cpuPer1000) : '') },
    { title: 'cpu × floor', value: (u) => u.cpuTimesFloor, digits: 1 },
    { title: 'peak RSS MB', value: (u) => u.peakRssMb, digits: 1 },
    { title: `goal ≤${GOALS.rssMb}`, value: (u) => (u.path === 'Meshform' ? verdict(u.peakRssMb, GOALS.rssMb) : '') },
  ], usage);
  const throughputTable = renderTable(`Closed-loop maximum throughput, HTTP/1.1, ${settings.connections} connections, ${settings.closedLoopSeconds}s per path`, [
    { title: 'path', value: (r) => r.path },
    { title: 'rps', value: (r) => r.rps, digits: 0 },
    { title: 'errors', value: (r) => String(r.errors) },
    ...(['outbound', 'inbound'] as const).flatMap((role) => [
      { title: `${role} cores`, value: (r: ThroughputRow) => r.proxies.find((p) => p.role === role)?.cores ?? Number.NaN },
      { title: `${role} rps/core`, value: (r: ThroughputRow) => r.proxies.find((p) => p.role === role)?.rpsPerCore ?? Number.NaN, digits: 0 },
      { title: `× HAProxy (goal ≥⅓)`, value: (r: ThroughputRow) => closedLoopGoal(r, throughput, role) },
    ]),
  ], throughput);
  // Side by side: where the CPU is spent (self time) and which of our frames it is spent for.
  const profileTables = profiles.map((p) =>
    renderTable(`Meshform ${p.role} sidecar, CPU profile at ${settings.qps} rps ${PROTOCOL_NAMES[p.protocol]} (busy ${p.busyPercent.toFixed(0)}% of samples; ${p.file})`, [
      { title: 'self %', value: (i) => p.topFunctions[i]?.selfPercent ?? Number.NaN, digits: 1 },
      { title: 'function  source', value: (i) => p.topFunctions[i]?.name ?? '' },
      { title: 'charged %', value: (i) => p.topProjectFrames[i]?.selfPercent ?? Number.NaN, digits: 1 },
      { title: 'nearest project frame', value: (i) => p.topProjectFrames[i]?.name ?? '' },
    ], [...Array(Math.max(p.topFunctions.length, p.topProjectFrames.length)).keys()]),
  );
  return [latencyTable, usageTable, throughputTable, ...profileTables];
}
