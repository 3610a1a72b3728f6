import { mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { cpuSeconds, peakRssMb } from './support/proc-stats';
import { runLoad, startEchoServer, type LoadResult } from './support/fortio';
import { percentileMs, type Bucket } from './support/latency-histogram';
import { summarizeProfile, type ProfileSummary } from './support/cpu-profile';
import { stopTracked } from './support/child-processes';
import { startHaproxyPath } from './proxy-haproxy';
import { buildFloorProxy, startFloorPath } from './proxy-floor';
import { startMeshformPath, type Bundles } from './proxy-meshform';
import { directPath, ECHO_HOST, ECHO_PORT, type Protocol, type ProxyPath } from './proxy-path';

/** How long and how hard each phase runs (Istio's method: 16 connections, 1000 requests/s). */
export interface ProxySettings {
  readonly qps: number;
  readonly connections: number;
  readonly warmupSeconds: number;
  /** Constant-rate rounds per path; each round runs every path once, in a rotating order. */
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly closedLoopSeconds: number;
  readonly profileSeconds: number;
}

export const PROXY_FULL: ProxySettings = { qps: 1000, connections: 16, warmupSeconds: 3, rounds: 2, roundSeconds: 10, closedLoopSeconds: 10, profileSeconds: 10 };
export const PROXY_QUICK: ProxySettings = { qps: 200, connections: 16, warmupSeconds: 1, rounds: 1, roundSeconds: 2, closedLoopSeconds: 2, profileSeconds: 2 };

export interface ProxyUsage {
  readonly role: 'outbound' | 'inbound';
  /** CPU seconds per 1000 requests; at 1000 requests/s this is also the vCPUs the proxy keeps busy. */
  readonly cpuSecondsPer1000: number;
  /** VmHWM, the peak since the proxy started: the HTTP/2 rows include the HTTP/1.1 phase before them. */
  readonly peakRssMb: number;
}

export interface LatencyRow {
  readonly protocol: Protocol;
  readonly path: string;
  readonly requests: number;
  readonly errors: number;
  readonly actualQps: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Over the direct path of the same protocol (0 for direct itself). */
  readonly addedP50Ms: number;
  readonly addedP90Ms: number;
  readonly addedP99Ms: number;
  readonly proxies: ProxyUsage[];
}

export interface ThroughputRow {
  readonly path: string;
  readonly rps: number;
  readonly errors: number;
  /** Per proxy: cores it kept busy, and requests/s per core it used. */
  readonly proxies: { role: 'outbound' | 'inbound'; cores: number; rpsPerCore: number }[];
}

export interface ProxyResults {
  readonly settings: ProxySettings;
  /** The echo server's address: nothing listens there once the run is over. */
  readonly echo: string;
  readonly latency: LatencyRow[];
  readonly throughput: ThroughputRow[];
  /** Per path, the counts it keeps about itself (ProxyPath.counts), at the end of the measured runs. */
  readonly counts: Record<string, Readonly<Record<string, number>>>;
  /** The Meshform sidecars under the constant load, profiled with --cpu-prof, per protocol. */
  readonly profiles: ({ protocol: Protocol; role: string; file: string } & ProfileSummary)[];
}

const PROTOCOLS: readonly Protocol[] = ['http1', 'h2'];

/**
 * The data-plane benchmark. One echo server; the direct path, Meshform's pair (plain, and with the
 * example mesh's telemetry), HAProxy's pair and the Node floor run side by side and are measured in
 * interleaved rounds (each round in a rotated order) so that a noisy neighbour hurts every path
 * alike. Then a closed-loop run for throughput per core, and separate profiled runs of Meshform per
 * protocol (profiling slows it, so they never feed the tables).
 */
export async function runProxyOverhead(settings: ProxySettings, bundles: Bundles, workDir: string, profileDir: string, progress: (line: string) => void): Promise<ProxyResults> {
  const floorBundle = await buildFloorProxy(path.dirname(bundles.proxy));
  const echo = await startEchoServer(ECHO_HOST, ECHO_PORT);
  const paths: ProxyPath[] = [directPath()];
  try {
    paths.push(await startMeshformPath({ bundles, workDir: path.join(workDir, 'mesh') }));
    paths.push(await startMeshformPath({ bundles, workDir: path.join(workDir, 'mesh-telemetry'), telemetry: true }));
    paths.push(await startHaproxyPath());
    paths.push(await startFloorPath(floorBundle));
    const latency: LatencyRow[] = [];
    for (const protocol of PROTOCOLS) latency.push(...(await constantRate(paths, protocol, settings, progress)));
    progress(`closed loop, HTTP/1.1, ${settings.connections} connections, ${settings.closedLoopSeconds}s per path`);
    const throughput: ThroughputRow[] = [];
    for (const p of paths) throughput.push(await closedLoop(p, settings));
    const counts = Object.fromEntries(paths.flatMap((p) => (p.counts ? [[p.name, p.counts()]] : [])));
    // The profiled pairs take the plain pair's addresses, and nothing else should compete with them.
    for (const p of paths.splice(1)) await p.stop();
    const profiles: ProxyResults['profiles'] = [];
    for (const protocol of PROTOCOLS) profiles.push(...(await profileMeshform(protocol, settings, bundles, workDir, path.join(profileDir, protocol), progress)));
    return { settings, echo: `${ECHO_HOST}:${ECHO_PORT}`, latency, throughput, counts, profiles };
  } finally {
    await Promise.all(paths.map((p) => p.stop()));
    await stopTracked(echo);
  }
}

/** fortio at the settings' constant rate through a path, in a protocol (HTTP/2 as h2c). */
function constantLoad(p: ProxyPath, protocol: Protocol, s: ProxySettings, seconds: number): Promise<LoadResult> {
  return runLoad({ ...p.target(protocol), qps: s.qps, connections: s.connections, seconds, h2: protocol === 'h2' });
}

async function constantRate(paths: readonly ProxyPath[], protocol: Protocol, s: ProxySettings, progress: (line: string) => void): Promise<LatencyRow[]> {
  const load = (p: ProxyPath, seconds: number) => constantLoad(p, protocol, s, seconds);
  progress(`${protocol}: warm-up ${s.warmupSeconds}s per path`);
  for (const p of paths) await load(p, s.warmupSeconds);
  const runs = new Map(paths.map((p) => [p, { results: [] as LoadResult[], cpu: p.proxies.map(() => 0) }]));
  for (let round = 0; round < s.rounds; round++) {
    const order = paths.map((_, i) => paths[(i + round) % paths.length]!);
    progress(`${protocol}: round ${round + 1}/${s.rounds}, ${s.qps} rps × ${s.roundSeconds}s each: ${order.map((p) => p.name).join(', ')}`);
    for (const p of order) {
      const before = p.proxies.map((x) => cpuSeconds(x.pid));
      const result = await load(p, s.roundSeconds);
      const run = runs.get(p)!;
      p.proxies.forEach((x, i) => (run.cpu[i]! += cpuSeconds(x.pid) - before[i]!));
      run.results.push(result);
    }
  }
  const rows = paths.map((p) => {
    const { results, cpu } = runs.get(p)!;
    const buckets: Bucket[] = results.flatMap((r) => r.buckets);
    const requests = results.reduce((n, r) => n + r.requests, 0);
    return {
      protocol,
      path: p.name,
      requests,
      errors: results.reduce((n, r) => n + r.errors, 0),
      actualQps: requests / results.reduce((n, r) => n + r.seconds, 0),
      p50Ms: percentileMs(buckets, 50),
      p90Ms: percentileMs(buckets, 90),
      p99Ms: percentileMs(buckets, 99),
      maxMs: Math.max(...results.map((r) => r.maxMs)),
      proxies: p.proxies.map((x, i) => ({ role: x.role, cpuSecondsPer1000: (cpu[i]! * 1000) / Math.max(1, requests), peakRssMb: peakRssMb(x.pid) })),
    };
  });
  const direct = rows[0]!;
  return rows.map((r) => ({ ...r, addedP50Ms: r.p50Ms - direct.p50Ms, addedP90Ms: r.p90Ms - direct.p90Ms, addedP99Ms: r.p99Ms - direct.p99Ms }));
}

async function closedLoop(p: ProxyPath, s: ProxySettings): Promise<ThroughputRow> {
  const before = p.proxies.map((x) => cpuSeconds(x.pid));
  const result = await runLoad({ ...p.target('http1'), qps: 0, connections: s.connections, seconds: s.closedLoopSeconds });
  return {
    path: p.name,
    rps: result.actualQps,
    errors: result.errors,
    proxies: p.proxies.map((x, i) => {
      const cores = (cpuSeconds(x.pid) - before[i]!) / result.seconds;
      return { role: x.role, cores, rpsPerCore: result.actualQps / cores };
    }),
  };
}

/**
 * Runs a fresh Meshform pair under --cpu-prof at the constant load of one protocol and summarizes
 * each sidecar's profile. A pair per protocol: Node writes a process's profile only when it exits.
 */
async function profileMeshform(protocol: Protocol, s: ProxySettings, bundles: Bundles, workDir: string, profileDir: string, progress: (line: string) => void): Promise<ProxyResults['profiles']> {
  mkdirSync(profileDir, { recursive: true });
  progress(`${protocol}: profiling Meshform's sidecars (--cpu-prof), ${s.qps} rps × ${s.profileSeconds}s`);
  const profiled = await startMeshformPath({ bundles, workDir: path.join(workDir, `mesh-profiled-${protocol}`), sidecarNodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
  const load = (seconds: number) => constantLoad(profiled, protocol, s, seconds);
  try {
    await load(s.warmupSeconds);
    await load(s.profileSeconds);
  } finally {
    await profiled.stop();
  }
  // Node names each profile CPU.<date>.<pid>.<thread>.<seq>.cpuprofile: the pid says which sidecar wrote it.
  const files = readdirSync(profileDir);
  return profiled.proxies.flatMap((x) => {
    const file = files.find((f) => f.includes(`.${x.pid}.`));
    return file ? [{ protocol, role: x.role, file: path.join(profileDir, file), ...summarizeProfile(path.join(profileDir, file)) }] : [];
  });
}
