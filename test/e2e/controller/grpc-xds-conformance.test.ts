import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { manifest, startLocalController, type LocalControllerHarness } from '../../support/controller-harness';
import { startEchoServer, type Behaviour, type EchoServer } from '../../support/controller-grpc-servers';
import { percentOf, runXdsScenario } from '../../support/controller-xds-scenario';

/**
 * Unmodified @grpc/grpc-js-xds clients, configured only by the controller over ADS, calling real
 * grpc-js servers on loopback: the routing they do is what the mesh resources say.
 */
const PORT = 9080;
const VERSIONS = [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }];
const service = (name: string) =>
  manifest('MeshService', name, { selector: { app: name }, ports: [{ port: PORT, protocol: 'grpc' }], versions: VERSIONS, sidecar: { inject: false } });
const route = (name: string, rules: object[]) => manifest('TrafficRoute', name, { service: { name }, rules });
const target = (name: string) => `${name}.default.svc.cluster.local:${PORT}`;

const MESH = [
  manifest('Mesh', 'mesh', { mtls: { mode: 'PERMISSIVE' } }),
  ...['split', 'header', 'fault', 'retry', 'noretry', 'sticky', 'outlier'].map(service),
  route('split', [{ backends: [{ version: 'v1', weight: 80 }, { version: 'v2', weight: 20 }] }]),
  route('header', [
    { name: 'jason', matches: [{ headers: [{ name: 'x-user', value: 'jason' }] }], backends: [{ version: 'v2' }] },
    { name: 'others', backends: [{ version: 'v1' }] },
  ]),
  route('fault', [{ backends: [{}], fault: { abort: { grpcStatus: 'UNAVAILABLE', percent: 30 } } }]),
  route('retry', [{ backends: [{}], retry: { attempts: 2, retryOn: ['unavailable'], backoff: { baseInterval: '1ms' } } }]),
  manifest('TrafficPolicy', 'sticky', { service: { name: 'sticky' }, loadBalancer: { type: 'ConsistentHash', consistentHash: { header: 'x-user' } } }),
  manifest('TrafficPolicy', 'outlier', {
    service: { name: 'outlier' },
    outlierDetection: { consecutive5xxErrors: 3, interval: '200ms', baseEjectionTime: '1m', maxEjectionPercent: 50 },
  }),
];

const SERVERS: [service: string, version: string, behaviour: Behaviour][] = [
  ['split', 'v1', 'ok'],
  ['split', 'v2', 'ok'],
  ['header', 'v1', 'ok'],
  ['header', 'v2', 'ok'],
  ['fault', 'v1', 'ok'],
  ['retry', 'v1', 'every-other-unavailable'],
  ['noretry', 'v1', 'every-other-unavailable'],
  ['sticky', 'v1', 'ok'],
  ['sticky', 'v2', 'ok'],
  ['sticky', 'v1', 'ok'],
  ['outlier', 'v1', 'ok'],
  ['outlier', 'v2', 'unavailable'],
];

describe('conformance with @grpc/grpc-js-xds clients', () => {
  let harness: LocalControllerHarness;
  const servers: EchoServer[] = [];

  beforeAll(async () => {
    for (const [svc, version, behaviour] of SERVERS) servers.push(await startEchoServer(`${svc}-${version}-${servers.length}`, behaviour));
    const workloads = SERVERS.map(([svc, version], i) => ({ name: servers[i]!.name, address: '127.0.0.1', labels: { app: svc, version }, ports: { [String(PORT)]: servers[i]!.port } }));
    harness = await startLocalController({ manifests: MESH, registry: { version: 1, workloads } });
  });

  afterAll(async () => {
    await harness?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  const run = (name: string, calls: number, extra: { headers?: Record<string, string>; users?: number; gapMs?: number } = {}) =>
    runXdsScenario({ xdsServer: harness.xdsAddress, target: target(name), calls, ...extra });

  it('splits traffic by weight within 5 points over 1000 calls', async () => {
    const outcomes = await run('split', 1000);
    expect(outcomes.filter((o) => o.code !== undefined)).toEqual([]);
    const v2 = percentOf(outcomes, (o) => o.server!.startsWith('split-v2'));
    expect(v2).toBeGreaterThanOrEqual(15);
    expect(v2).toBeLessThanOrEqual(25);
  });

  it('routes by header match, first matching rule wins', async () => {
    const jason = await run('header', 50, { headers: { 'x-user': 'jason' } });
    const others = await run('header', 50, { headers: { 'x-user': 'ann' } });
    expect(new Set(jason.map((o) => o.server?.split('-')[1]))).toEqual(new Set(['v2']));
    expect(new Set(others.map((o) => o.server?.split('-')[1]))).toEqual(new Set(['v1']));
  });

  it('aborts the configured share of calls with the configured status', async () => {
    const outcomes = await run('fault', 1000);
    const aborted = percentOf(outcomes, (o) => o.code === status.UNAVAILABLE);
    expect(aborted).toBeGreaterThanOrEqual(25);
    expect(aborted).toBeLessThanOrEqual(35);
    expect(percentOf(outcomes, (o) => o.server !== undefined)).toBeCloseTo(100 - aborted, 5);
  });

  it('retries UNAVAILABLE so a server failing every other call serves all of them', async () => {
    const retried = await run('retry', 200);
    const unretried = await run('noretry', 200);
    expect(retried.filter((o) => o.code !== undefined)).toEqual([]);
    expect(percentOf(unretried, (o) => o.code === status.UNAVAILABLE)).toBeGreaterThanOrEqual(40);
  });

  it('keeps each user on one server with a ring hash on a header', async () => {
    const outcomes = await run('sticky', 200, { users: 20 });
    const byUser = new Map<string, Set<string>>();
    for (const o of outcomes) byUser.set(o.user!, (byUser.get(o.user!) ?? new Set()).add(o.server ?? `error ${o.code}`));
    expect([...byUser.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set(outcomes.map((o) => o.server)).size).toBeGreaterThan(1);
  });

  it('ejects an endpoint that keeps failing', async () => {
    const outcomes = await run('outlier', 400, { gapMs: 5 });
    expect(outcomes.slice(0, 100).some((o) => o.code === status.UNAVAILABLE)).toBe(true);
    expect(outcomes.slice(-100).every((o) => o.server?.startsWith('outlier-v1'))).toBe(true);
  });
});

describe('a configuration change reaching a running @grpc/grpc-js-xds client', () => {
  let harness: LocalControllerHarness;
  const servers: EchoServer[] = [];
  const mesh = (v2Weight: number) => [service('shift'), route('shift', [{ backends: [{ version: 'v1', weight: 100 - v2Weight }, { version: 'v2', weight: v2Weight }] }])];

  beforeAll(async () => {
    servers.push(await startEchoServer('shift-v1'), await startEchoServer('shift-v2'));
    const workloads = servers.map((s, i) => ({ name: s.name, address: '127.0.0.1', labels: { app: 'shift', version: `v${i + 1}` }, ports: { [String(PORT)]: s.port } }));
    harness = await startLocalController({ manifests: mesh(0), registry: { version: 1, workloads } });
  });

  afterAll(async () => {
    await harness?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  it('moves traffic to v2 when the route is rewritten, without reconnecting', async () => {
    const outcomes = await runXdsScenario(
      { xdsServer: harness.xdsAddress, target: target('shift'), calls: 5_000, gapMs: 2, until: { server: 'shift-v2', settle: 50 } },
      50_000,
      () => harness.writeManifest('mesh.yaml', mesh(100)),
    );
    const firstV2 = outcomes.findIndex((o) => o.server === 'shift-v2');
    expect(firstV2).toBeGreaterThan(0);
    expect(outcomes.slice(0, firstV2).every((o) => o.server === 'shift-v1')).toBe(true);
    expect(outcomes.slice(firstV2).every((o) => o.server === 'shift-v2')).toBe(true);
  });
});
