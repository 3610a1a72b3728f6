import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(__dirname, '..', '..', '..');
const out = mkdtempSync(path.join(tmpdir(), 'meshform-bench-quick-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const finite = (n: unknown) => typeof n === 'number' && Number.isFinite(n);

/** Nothing must be left listening where the benchmark's echo server was. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// The harness only: every scenario ran and wrote well-formed results. Never a speed.
describe('npm run bench -- --quick', () => {
  it('runs every scenario, writes well-formed JSON and leaves no process behind', async () => {
    const exit = await new Promise<{ code: number | null; output: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, output: `${stdout}\n${stderr}` }));
    });
    expect(exit.code, exit.output).toBe(0);

    const file = readdirSync(out).find((f) => /^bench-quick-.+\.json$/.test(f));
    expect(file, readdirSync(out).join(', ')).toBeDefined();
    const report = JSON.parse(readFileSync(path.join(out, file!), 'utf8'));
    expect(report).toMatchObject({ schema: 1, quick: true, machine: { cpus: expect.any(Number), node: process.version } });
    expect(Object.keys(report.scenarios).sort()).toEqual(['convergence', 'dashboard', 'proxy', 'synth']);
    for (const scenario of Object.values(report.scenarios) as { ok: boolean }[]) expect(scenario.ok).toBe(true);

    const proxy = report.scenarios.proxy.results;
    const paths = ['direct', 'Meshform', 'Meshform + telemetry', 'HAProxy', 'floor (Node)'];
    expect(proxy.latency.map((r: { protocol: string; path: string }) => `${r.protocol} ${r.path}`)).toEqual(['http1', 'h2'].flatMap((protocol) => paths.map((p) => `${protocol} ${p}`)));
    for (const row of proxy.latency) {
      expect(row.requests, `${row.protocol} ${row.path}`).toBeGreaterThan(0);
      // Every request through each pair was answered 200: the paths work, whatever their speed.
      expect(row.errors, `${row.protocol} ${row.path}`).toBe(0);
      for (const key of ['p50Ms', 'p90Ms', 'p99Ms', 'maxMs', 'addedP50Ms', 'addedP99Ms']) expect(finite(row[key]), key).toBe(true);
      expect(row.proxies.map((p: { role: string }) => p.role).sort()).toEqual(row.path === 'direct' ? [] : ['inbound', 'outbound']);
      for (const p of row.proxies) expect(finite(p.cpuSecondsPer1000) && finite(p.peakRssMb)).toBe(true);
    }
    // The telemetry pair traced: its sidecars' exporters reached the benchmark's OTLP sink.
    expect(proxy.counts['Meshform + telemetry'].otlpBatches).toBeGreaterThan(0);
    expect(proxy.throughput.map((r: { path: string }) => r.path)).toEqual(paths);
    for (const row of proxy.throughput) {
      expect(row.rps, row.path).toBeGreaterThan(0);
      expect(row.errors, row.path).toBe(0);
    }
    expect(proxy.profiles.map((p: { protocol: string; role: string }) => `${p.protocol} ${p.role}`).sort()).toEqual(['h2 inbound', 'h2 outbound', 'http1 inbound', 'http1 outbound']);
    for (const p of proxy.profiles) expect(p.topFunctions.length).toBeGreaterThan(0);

    const [synth] = report.scenarios.synth.results;
    expect(synth).toMatchObject({ count: 10, meshform: { kind: 'meshform' }, baseline: { kind: 'baseline' } });
    expect(synth.meshform.objects).toBeGreaterThan(synth.baseline.objects);
    expect(finite(synth.timeRatio)).toBe(true);

    const convergence = report.scenarios.convergence.results;
    expect(convergence.rows.length).toBeGreaterThan(0);
    for (const row of convergence.rows) expect(finite(row.p99Ms) && finite(row.rssMb)).toBe(true);
    expect(existsSync(convergence.file)).toBe(true);

    const dashboard = report.scenarios.dashboard.results;
    expect(dashboard.rows.map((r: { services: number; view: string }) => `${r.services} ${r.view}`)).toEqual(['100 expanded', '100 collapsed']);
    for (const row of dashboard.rows) expect(finite(row.firstRenderMs) && row.updateMs.length === 2 && row.updateMs.every(finite)).toBe(true);
    expect(dashboard.layouts.map((l: { library: string }) => l.library)).toEqual(['elkjs layered', 'dagre', 'cytoscape fCoSE']);

    const [echoHost, echoPort] = (proxy.echo as string).split(':');
    expect(await accepts(echoHost!, Number(echoPort))).toBe(false);
  }, 420_000);
});
