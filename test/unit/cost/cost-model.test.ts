import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newestProxyFigures } from '../../../cli/cost-command';
import { benchProxyFigures, CostError, cpuCores, estimateCost, formatCostReport, meshFootprint, memoryGib, type WorkloadObject } from '../../../lib/cost';

const FIXTURES = path.resolve('test/fixtures/bench-results');

const pod = (containers: object[], initContainers: object[] = []) => ({ template: { spec: { containers, initContainers } } });
const proxy = (cpu: string, memory: string) => ({ name: 'meshform-proxy', restartPolicy: 'Always', resources: { requests: { cpu, memory } } });
const OBJECTS: WorkloadObject[] = [
  { kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 3, ...pod([{ name: 'web' }], [proxy('100m', '64Mi')]) } },
  { kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' }, spec: { replicas: 2, ...pod([{ name: 'db' }, proxy('1', '1Gi')]) } },
  { kind: 'Deployment', metadata: { name: 'plain', namespace: 'shop' }, spec: { replicas: 5, ...pod([{ name: 'plain', resources: { requests: { cpu: '4' } } }]) } },
  { kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'shop' }, spec: pod([proxy('1', '1Gi')]) },
  {
    kind: 'Deployment',
    metadata: { name: 'meshform-controller', namespace: 'meshform-system' },
    spec: { replicas: 2, ...pod([{ name: 'controller', resources: { requests: { cpu: '500m', memory: '512Mi' } } }, { name: 'webhooks', resources: { requests: { cpu: '500m', memory: '512Mi' } } }]) },
  },
  { kind: 'Deployment', metadata: { name: 'edge', namespace: 'shop' }, spec: { replicas: 3, ...pod([{ name: 'gateway', resources: { requests: { cpu: '250m', memory: '128Mi' } } }]) } },
];
const FIGURE = { label: 'test', vcpuPer1000Rps: 0.5, memoryMib: 512, source: 'fixture' };
const PRICES = { vcpuHour: 0.1, gibHour: 0.01 };

describe('Kubernetes quantities', () => {
  it('reads CPU in cores and memory in GiB', () => {
    expect(cpuCores('50m', 'x')).toBe(0.05);
    expect(cpuCores('2', 'x')).toBe(2);
    expect(memoryGib('64Mi', 'x')).toBe(0.0625);
    expect(memoryGib('1Gi', 'x')).toBe(1);
    expect(memoryGib('1073741824', 'x')).toBe(1);
  });

  it('names the field of a bad quantity', () => {
    expect(() => cpuCores('lots', 'Deployment a/b container c cpu request')).toThrow(CostError);
    expect(() => cpuCores('lots', 'Deployment a/b container c cpu request')).toThrow(/^\[COST_QUANTITY\] Deployment a\/b container c cpu request: "lots"/);
  });
});

describe('the mesh footprint', () => {
  it('counts the replicas of workloads carrying the proxy and the control plane requests', () => {
    const f = meshFootprint(OBJECTS);
    expect(f.workloads.map((w) => [w.name, w.replicas, w.sidecarRequest])).toEqual([
      ['web', 3, { vcpu: 0.1, gib: 0.0625 }],
      ['db', 2, { vcpu: 1, gib: 1 }],
    ]);
    expect(f.controlPlane).toEqual({ namespace: 'meshform-system', name: 'meshform-controller', replicas: 2, perReplica: { vcpu: 1, gib: 1 } });
  });

  it('counts a gateway by its requests, not as a sidecar pod', () => {
    const f = meshFootprint(OBJECTS);
    expect(f.gateways).toEqual([{ namespace: 'shop', name: 'edge', replicas: 3, perReplica: { vcpu: 0.25, gib: 0.125 } }]);
    expect(f.workloads.map((w) => w.name)).not.toContain('edge');
  });
});

describe('the cost model', () => {
  it('takes the larger of request and measured use per sidecar, prices 730 hours', () => {
    const report = estimateCost({ env: 't', footprint: meshFootprint(OBJECTS), figures: [FIGURE], rpsPerPod: 400, prices: PRICES });
    expect(report.pods).toBe(5);
    // web: max(0.1, 0.5 × 400 / 1000 = 0.2) vCPU × 3, max(0.0625, 0.5) GiB × 3; db: its request (1 vCPU, 1 GiB) × 2.
    const s = report.sidecars[0]!;
    expect(s.total!.vcpu).toBeCloseTo(0.6 + 2, 12);
    expect(s.total!.gib).toBeCloseTo(1.5 + 2, 12);
    expect(s.monthlyUsd).toBeCloseTo(730 * (2.6 * 0.1 + 3.5 * 0.01), 9);
    expect(report.controlPlane!.total).toEqual({ vcpu: 2, gib: 2 });
    expect(report.controlPlane!.monthlyUsd).toBeCloseTo(730 * (2 * 0.1 + 2 * 0.01), 9);
    expect(report.gateways).toEqual([{ name: 'shop/edge', replicas: 3, perReplica: { vcpu: 0.25, gib: 0.125 }, total: { vcpu: 0.75, gib: 0.375 }, monthlyUsd: expect.closeTo(730 * (0.75 * 0.1 + 0.375 * 0.01), 9) }]);
    expect(formatCostReport(report)).toContain('Gateway shop/edge: 3 × (0.250 vCPU, 0.125 GiB) requested = $57.49/month');
  });

  it('leaves a figure that is not published without totals', () => {
    const report = estimateCost({ env: 't', footprint: meshFootprint(OBJECTS), figures: [{ ...FIGURE, vcpuPer1000Rps: null }], rpsPerPod: 1, prices: PRICES });
    expect(report.sidecars[0]).toMatchObject({ total: null, monthlyUsd: null });
  });

  it('has no control plane when none is synthesized', () => {
    expect(estimateCost({ env: 't', footprint: meshFootprint(OBJECTS.slice(0, 2)), figures: [], rpsPerPod: 1, prices: PRICES }).controlPlane).toBeNull();
  });
});

describe('reading bench results', () => {
  it("takes the Meshform path's larger role per protocol", () => {
    const figures = newestProxyFigures(FIXTURES);
    expect(figures).toEqual([
      { label: 'Meshform HTTP/1.1 (measured)', vcpuPer1000Rps: 0.5, memoryMib: 256, source: `${path.join(FIXTURES, 'bench-2026-01-02T00-00-00-000Z.json')} (bench run started 2026-01-02T00:00:00.000Z)` },
      { label: 'Meshform HTTP/2 (measured)', vcpuPer1000Rps: 1, memoryMib: 512, source: `${path.join(FIXTURES, 'bench-2026-01-02T00-00-00-000Z.json')} (bench run started 2026-01-02T00:00:00.000Z)` },
    ]);
  });

  it('skips a run without proxy results and says to run the benchmark when none has them', () => {
    expect(benchProxyFigures({ startedAt: 'x', scenarios: { synth: {} } }, 'f')).toBeUndefined();
    expect(benchProxyFigures({ startedAt: 'x', scenarios: { proxy: { ok: false } } }, 'f')).toBeUndefined();
    expect(() => newestProxyFigures(path.join(FIXTURES, 'missing'))).toThrow(/\[COST_NO_BENCH_RESULTS\] .*run `npm run bench`/);
  });
});

describe('the terminal report', () => {
  it('shows one row per figure, the control plane and the sources', () => {
    const report = estimateCost({ env: 't', footprint: meshFootprint(OBJECTS), figures: [FIGURE, { ...FIGURE, label: 'none', vcpuPer1000Rps: null, memoryMib: null }], rpsPerPod: 400, prices: PRICES });
    const lines = formatCostReport(report).split('\n');
    expect(lines[1]).toBe('Sidecars of t: 5 pods at 400 rps each, 730 h/month at $0.1/vCPU-h and $0.01/GiB-h');
    expect(lines[4]).toMatch(/^test +0\.500 +512\.0 +2\.600 +3\.500 +215\.35$/);
    expect(lines[5]).toMatch(/^none +– +– +– +– +–$/);
    expect(lines).toContain('Control plane meshform-system/meshform-controller: 2 × (1.000 vCPU, 1.000 GiB) requested = $160.60/month');
    expect(lines).toContain('  test: fixture');
  });
});
