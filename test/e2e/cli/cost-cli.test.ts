import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CostReport } from '../../../lib/cost';
import { ENVIRONMENTS } from '../../../stacks/environments';

const FIXTURES = path.resolve('test/fixtures/bench-results');
const meshform = (...args: string[]) => spawnSync(process.execPath, [path.resolve('bin/meshform.cjs'), 'cost', ...args], { encoding: 'utf8', timeout: 120_000 });

function report(env: string, ...args: string[]): CostReport {
  const run = meshform('--env', env, '--results', FIXTURES, '--json', ...args);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as CostReport;
}

describe('the meshform cost command on the example environments', () => {
  it.each(['dev', 'prod'])('prices %s from its synthesized pods, the bench run and the prices given', (name) => {
    const env = ENVIRONMENTS.find((e) => e.name === name)!;
    const r = report(name, '--rps-per-pod', '1000', '--price-vcpu-hour', '0.1', '--price-gb-hour', '0.01');
    // Bookinfo: ratings v1+v2, reviews v1..v3, details, productpage, one replica each, every one meshed.
    expect(r.pods).toBe(7);
    expect(r.workloads.every((w) => w.namespace === 'bookinfo' && w.sidecarRequest.vcpu === 0.05)).toBe(true);
    expect(r.sidecars.map((s) => s.label)).toEqual(['Meshform HTTP/1.1 (measured)', 'Meshform HTTP/2 (measured)', 'Istio 1.16 Envoy (published)', 'Linkerd (published)']);
    // The fixture's HTTP/1.1 sidecar: 0.5 vCPU per 1000 rps and 256 MiB, above the 50m / 64Mi requests.
    const h1 = r.sidecars[0]!;
    expect(h1.source).toContain('bench-2026-01-02T00-00-00-000Z.json');
    expect(h1.total!.vcpu).toBeCloseTo(7 * 0.5, 9);
    expect(h1.total!.gib).toBeCloseTo(7 * 0.25, 9);
    expect(h1.monthlyUsd).toBeCloseTo(730 * (3.5 * 0.1 + 1.75 * 0.01), 6);
    expect(r.sidecars[3]!.monthlyUsd).toBeNull();
    expect(r.controlPlane!.replicas).toBe(env.controllerReplicas);
    expect(r.controlPlane!.total.vcpu).toBeCloseTo(r.controlPlane!.perReplica.vcpu * env.controllerReplicas, 12);
    expect(r.controlPlane!.monthlyUsd).toBeCloseTo(730 * (r.controlPlane!.total.vcpu * 0.1 + r.controlPlane!.total.gib * 0.01), 6);
    // The example's ingress gateway (replicas per environment) and its egress gateway, priced at their requests.
    expect(r.gateways.map((g) => [g.name, g.replicas])).toEqual([
      ['bookinfo/bookinfo-egress', 1],
      ['bookinfo/bookinfo-gateway', env.gatewayReplicas],
    ]);
    expect(r.gateways.every((g) => g.perReplica.vcpu > 0 && g.monthlyUsd > 0)).toBe(true);
  });

  it('costs prod more than dev through its control plane alone', () => {
    const dev = report('dev');
    const prod = report('prod');
    expect(prod.sidecars[0]!.monthlyUsd).toBe(dev.sidecars[0]!.monthlyUsd);
    expect(prod.controlPlane!.monthlyUsd).toBeGreaterThan(dev.controlPlane!.monthlyUsd);
  });

  it('prints a table naming the bench run', () => {
    const run = meshform('--env', 'prod', '--results', FIXTURES);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Sidecars of prod: 7 pods at 100 rps each');
    expect(run.stdout).toMatch(/Meshform HTTP\/1\.1 \(measured\): .*bench-2026-01-02T00-00-00-000Z\.json/);
  });

  it('fails clearly on a bad flag, an unknown environment and no bench results', () => {
    const bad = meshform('--rps-per-pod', 'many');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("option '--rps-per-pod <n>' argument 'many' is invalid");
    expect(meshform('--price-vcpu-hour', '0').status).toBe(2);
    const unknown = meshform('--env', 'qa', '--results', FIXTURES);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('no environment named "qa"');
    const none = meshform('--results', path.join(FIXTURES, 'missing'));
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('run `npm run bench`');
  });
});
