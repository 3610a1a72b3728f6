/**
 * Convergence benchmark: how long from a configuration change until every connected proxy has the
 * new configuration (received it and ACKed), at 10/100/1000 services × 10 endpoints with 100
 * simulated sidecars (ADS and VHDS streams each), and the controller's memory. The controller runs as a child process in local
 * mode with its defaults (its 2 ms file-watch coalescing included); changes are file writes as
 * synth and the runner make them: one manifest file per object, the registry as a whole. Each
 * change is isolated: it comes `--gap-ms` after the previous one converged, longer than the
 * controller's 100 ms quiet time, so it measures one change, not a burst (a burst waits for the
 * quiet time by design).
 *
 *   npx tsx bench/convergence.ts [--services 10,100,1000] [--proxies 100] [--changes 10] [--gap-ms 250]
 *
 * With CONVERGENCE_CPU_PROF=<dir> the controller runs under `node --cpu-prof` and leaves its
 * profile there (where the time per change goes; BENCHMARKS.md cites such profiles).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { TypeUrl } from '../lib/xds';
import { clusterOf, instanceIp, PORT, serviceName, writeMesh, writeRegistry, writeRoute } from './convergence-mesh';
import { SimulatedProxy } from './convergence-proxy';
import { CONVERGENCE_FULL, type ConvergenceRow as Row } from './support/convergence-run';

const ENDPOINTS = 10;


function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** CPU time a process has used so far (utime + stime from /proc, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The controller's push-latency histogram for one xDS type: cumulative counts by bucket bound. */
async function pushHistogram(adminPort: number, type: string): Promise<{ le: number; count: number }[]> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  return [...text.matchAll(new RegExp(`meshform_xds_push_latency_seconds_bucket\\{le="([^"]+)",type="${type}"\\} (\\d+)`, 'g'))].map((m) => ({ le: Number(m[1]), count: Number(m[2]) }));
}

/** The p99 of the pushes observed between two scrapes, as the upper bound of its bucket in ms. */
function p99Between(before: { le: number; count: number }[], after: { le: number; count: number }[]): number {
  const delta = after.map((b, i) => ({ le: b.le, count: b.count - (before[i]?.count ?? 0) }));
  const total = delta.at(-1)?.count ?? 0;
  return (delta.find((b) => b.count >= total * 0.99)?.le ?? Number.NaN) * 1000;
}

async function startController(dir: string): Promise<{ child: ChildProcess; xds: string; adminPort: number }> {
  const entry = path.join(__dirname, 'convergence-controller.ts');
  const child = spawn(process.execPath, [...(process.env.CONVERGENCE_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.CONVERGENCE_CPU_PROF] : []), '--import', 'tsx', entry, '--local', path.join(dir, 'manifests'), '--registry', path.join(dir, 'registry.json'), '--xds-port', '0', '--admin-port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MESHFORM_LOG_LEVEL: 'error' },
  });
  const ready = await new Promise<{ xdsPort: number; adminPort: number }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"ready"'));
      if (line) resolve(JSON.parse(line) as { xdsPort: number; adminPort: number });
    });
    child.on('exit', (code) => reject(new Error(`controller exited with ${code}`)));
  });
  return { child, xds: `127.0.0.1:${ready.xdsPort}`, adminPort: ready.adminPort };
}

async function measure(services: number, proxyCount: number, changes: number, gapMs: number): Promise<Row[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshform-convergence-'));
  const manifests = path.join(dir, 'manifests');
  mkdirSync(manifests);
  const registryFile = path.join(dir, 'registry.json');
  writeMesh(manifests, services);
  writeRegistry(registryFile, services, ENDPOINTS, 0);
  const { child, xds, adminPort } = await startController(dir);
  const proxies: SimulatedProxy[] = [];
  try {
    const clusters = Array.from({ length: services }, (_, i) => clusterOf(i));
    const started = performance.now();
    for (let k = 0; k < proxyCount; k++) {
      const workload = k % 10;
      proxies.push(new SimulatedProxy(xds, serviceName(workload), instanceIp(workload, Math.floor(k / 10) % ENDPOINTS), { routes: [String(PORT)], clusters }));
    }
    await Promise.all(proxies.map((p) => p.ready()));
    const initialMs = performance.now() - started;
    const rows: Row[] = [];
    for (const [change, type] of [['route weight (VHDS)', TypeUrl.VirtualHost], ['endpoint move (EDS)', TypeUrl.ClusterLoadAssignment]] as const) {
      const samples: number[] = [];
      const short = type === TypeUrl.VirtualHost ? 'VHDS' : 'EDS';
      const histogramBefore = await pushHistogram(adminPort, short);
      let cpu = 0;
      for (let i = 1; i <= changes; i++) {
        await new Promise((resolve) => setTimeout(resolve, gapMs));
        const cpuBefore = cpuMs(child.pid!);
        const t0 = performance.now();
        if (type === TypeUrl.VirtualHost) writeRoute(manifests, 0, i % 2 === 0 ? 10 : 15);
        else writeRegistry(registryFile, services, ENDPOINTS, i);
        const arrivals = await Promise.all(proxies.map((p) => p.arrivalAfter(type, t0)));
        samples.push(...arrivals.map((at) => at - t0));
        cpu += cpuMs(child.pid!) - cpuBefore;
      }
      const memory = memoryMb(child.pid!);
      rows.push({
        services,
        endpoints: ENDPOINTS,
        proxies: proxyCount,
        change,
        samples: samples.length,
        p50Ms: percentile(samples, 50),
        p99Ms: percentile(samples, 99),
        maxMs: Math.max(...samples),
        initialMs,
        rssMb: memory.rss,
        peakRssMb: memory.peak,
        controllerP99Ms: p99Between(histogramBefore, await pushHistogram(adminPort, short)),
        controllerCpuMsPerChange: cpu / changes,
      });
    }
    return rows;
  } finally {
    for (const p of proxies) p.close();
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const full = CONVERGENCE_FULL;
  const { values } = parseArgs({
    options: { services: { type: 'string', default: full.services.join(',') }, proxies: { type: 'string', default: String(full.proxies) }, changes: { type: 'string', default: String(full.changes) }, 'gap-ms': { type: 'string', default: '250' } },
  });
  const rows: Row[] = [];
  for (const services of values.services.split(',').map(Number)) rows.push(...(await measure(services, Number(values.proxies), Number(values.changes), Number(values['gap-ms']))));
  const f = (n: number) => n.toFixed(1).padStart(8);
  console.log(`${'services'.padStart(8)} ${'endpts'.padStart(6)} ${'proxies'.padStart(7)}  ${'change'.padEnd(20)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'first ms'.padStart(8)} ${'RSS MB'.padStart(8)} ${'peak MB'.padStart(8)} ${'ctl p99≤'.padStart(8)} ${'ctl CPU'.padStart(8)}`);
  for (const r of rows) {
    console.log(`${String(r.services).padStart(8)} ${String(r.endpoints * r.services).padStart(6)} ${String(r.proxies).padStart(7)}  ${r.change.padEnd(20)} ${f(r.p50Ms)} ${f(r.p99Ms)} ${f(r.maxMs)} ${f(r.initialMs)} ${f(r.rssMb)} ${f(r.peakRssMb)} ${f(r.controllerP99Ms)} ${f(r.controllerCpuMsPerChange)}`);
  }
  const out = path.join(__dirname, 'results');
  mkdirSync(out, { recursive: true });
  const file = path.join(out, `convergence-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ node: process.version, debounceMs: 100, gapMs: Number(values['gap-ms']), rows }, null, 2));
  console.log(`\nwritten ${path.relative(process.cwd(), file)}`);
}

void main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
