import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { expect } from 'vitest';
import type { CanaryStatus } from '../../../lib/api';
import { ratingsPackage } from '../../../examples/demo-services';
import { MeshService, type MeshServiceProps } from '../../../constructs';
import { parsePrometheusText } from '../../../lib/telemetry';
import { LocalMesh, type SupervisionEvent } from '../../../runner';
import { writeGitOpsFolder } from '../../../stacks/gitops-output';

/** A service of the test mesh on port 9080 with the given versions. */
export function service(chart: Chart, name: string, versions: string[] = [], props: Partial<MeshServiceProps> = {}): MeshService {
  return new MeshService(chart, name, {
    namespace: 'shop',
    ports: [{ port: 9080, protocol: 'http' }],
    versions: versions.map((v) => ({ name: v, labels: { version: v } })),
    ...props,
  });
}

/** Writes the chart `build` fills into a manifests folder the controller watches. */
export function synthesize(dir: string, build: (chart: Chart) => void): void {
  const app = new App();
  build(new Chart(app, 'mesh', { namespace: 'shop' }));
  writeGitOpsFolder(app, dir);
}

/**
 * GIVEN a mesh written with the constructs (a chart of the test mesh, or a whole app such as the
 * platform), a running local mesh (controller, sidecars, gateways, demo apps) on its own loopback
 * subnet; the caller stops it in afterAll.
 */
export async function startMesh(build: ((chart: Chart) => void) | App, options: { ingressServiceAccount?: string; supervision?: (event: SupervisionEvent) => void } = {}): Promise<{ mesh: LocalMesh; manifests: string; rebuild: (build: (chart: Chart) => void) => void }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'meshform-mesh-'));
  const manifests = path.join(root, 'manifests');
  if (build instanceof App) writeGitOpsFolder(build, manifests);
  else synthesize(manifests, build);
  const subnet = 20 + Math.floor(Math.random() * 200);
  const logs: string[] = [];
  try {
    const mesh = await LocalMesh.start({
      manifestsDir: manifests,
      workspaceDir: path.join(root, 'workspace'),
      subnet,
      ...(options.ingressServiceAccount ? { ingressServiceAccount: options.ingressServiceAccount } : {}),
      ...(options.supervision ? { supervision: options.supervision } : {}),
      logs: (name, line) => logs.push(`${name}: ${line}`),
    });
    return { mesh, manifests, rebuild: (next) => synthesize(manifests, next) };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- last process logs ---\n${logs.slice(-30).join('\n')}`);
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * Sends a request through the ingress to a service (node:http, since fetch may not set Host);
 * resolves with status, served-by and body.
 */
export function call(mesh: LocalMesh, svc: string, pathAndQuery = '/', headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; servedBy: string | undefined; body: string; headers: http.IncomingHttpHeaders }> {
  const { url, host } = mesh.entry(svc);
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${pathAndQuery}`, { method, agent, headers: { host, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, servedBy: res.headers['x-served-by'] as string | undefined, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sums a Prometheus counter from a sidecar's admin endpoint over the series whose labels include `match`. */
export async function metric(adminAddress: string, name: string, match: Record<string, string> = {}): Promise<number> {
  const samples = parsePrometheusText(await (await fetch(`http://${adminAddress}/stats/prometheus`)).text());
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

/** Sends `n` requests keeping `concurrency` in flight (a new one starts as soon as one ends). */
export async function many(n: number, concurrency: number, send: (i: number) => Promise<{ status: number; servedBy: string | undefined }>): Promise<{ status: number; servedBy: string | undefined; ms: number }[]> {
  const results: { status: number; servedBy: string | undefined; ms: number }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const started = performance.now();
      const r = await send(i);
      results[i] = { status: r.status, servedBy: r.servedBy, ms: performance.now() - started };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return results;
}

/** Counts how often each value occurs. */
export function tally<T>(items: readonly T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/** Keeps requests to `services` flowing (canary checks read what the sidecars saw) until the returned stop is awaited. */
export function steadyLoad(mesh: LocalMesh, services: readonly string[]): () => Promise<void> {
  let running = true;
  const load = (async () => {
    while (running) await Promise.all(services.map((svc) => call(mesh, svc, '/x')));
  })();
  return async () => {
    running = false;
    await load;
  };
}

/** Polls the controller's status of Canary `namespace/name` until it reaches `phase`; resolves with each distinct status seen. */
export async function canaryUntil(mesh: LocalMesh, key: string, phase: CanaryStatus['phase']): Promise<CanaryStatus[]> {
  const seen: CanaryStatus[] = [];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const all = (await (await fetch(`http://${mesh.controllerAdmin}/debug/canaries`)).json()) as Record<string, CanaryStatus>;
    const status = all[key];
    if (status && JSON.stringify(status) !== JSON.stringify(seen.at(-1))) seen.push(status);
    if (status?.phase === phase) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${key} never reached ${phase}; saw ${JSON.stringify(seen)}`);
}

/** The distinct canary weights a rollout went through, in order. */
export const weightSteps = (seen: readonly CanaryStatus[]): number[] => seen.map((s) => s.canaryWeight).filter((w, i, all) => w !== all[i - 1]);

/** Which instance served each of `n` concurrent requests to `svc`, counted. */
export const servedBy = async (mesh: LocalMesh, svc: string, n: number): Promise<Map<string | undefined, number>> =>
  tally(await Promise.all(Array.from({ length: n }, async () => (await call(mesh, svc, '/x')).servedBy)));

/**
 * THEN a route with a 400 ms timeout and 2 retries of 100 ms per try (service `svc`, an upstream
 * answering in 1 s) answers 504 after three tries, as the native resilience test and the imported
 * meshes written after it expect.
 */
export async function expectTimeoutAfterThreeTries(mesh: LocalMesh, svc: string): Promise<void> {
  const app = mesh.of(svc)[0]!.app;
  app.setKnobs({ latencyMs: 1_000 });
  const served = app.stats().requests;
  const [r] = await many(1, 1, () => call(mesh, svc, '/x'));
  app.setKnobs({ latencyMs: 0 });
  expect(r!.status).toBe(504);
  // 3 tries of 100 ms fit in the 400 ms route timeout; the upstream's 1 s answer never arrives.
  expect(app.stats().requests - served).toBe(3);
}

/** THEN a route delaying 10% by 1 s and aborting 10% with 500 does so over 600 calls, within ±4.5 standard deviations. */
export async function expectTenPercentFaults(mesh: LocalMesh, svc: string): Promise<void> {
  const results = await many(600, 50, () => call(mesh, svc, '/x'));
  const aborted = results.filter((r) => r.status === 500).length;
  // The delay is long enough that a loaded machine does not pass an ordinary request for a delayed one.
  const delayed = results.filter((r) => r.status === 200 && r.ms >= 750).length;
  // n=600, p=0.1: mean 60, sd ≈ 7.3.
  expect(aborted).toBeGreaterThan(27);
  expect(aborted).toBeLessThan(93);
  expect(delayed).toBeGreaterThan(24);
  expect(delayed).toBeLessThan(90);
}

/** A client of the demo Ratings gRPC service that calls `service` through the ingress sidecar. */
export type RatingsClient = grpc.Client & { getRating: (req: { productId: string }, cb: (err: grpc.ServiceError | null, reply: { productId: string; stars: number; servedBy: string }) => void) => void };

export function ratingsClient(mesh: LocalMesh, service: string, port: number): RatingsClient {
  const { url, host } = mesh.entry(service, port);
  return ratingsClientAt(url.replace('http://', ''), host);
}

/** A Ratings client of `address` (host:port) that sends `authority` as the request's host. */
export function ratingsClientAt(address: string, authority: string): RatingsClient {
  const Ratings = ((ratingsPackage().meshform as grpc.GrpcObject).demo as grpc.GrpcObject).Ratings as grpc.ServiceClientConstructor;
  return new Ratings(address, grpc.credentials.createInsecure(), { 'grpc.default_authority': authority }) as unknown as RatingsClient;
}
