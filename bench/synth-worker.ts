/**
 * One synth measurement in a fresh process, so each size starts from the same heap and its peak
 * RSS is its own: builds `--count` services of `--kind` (meshform or baseline), synthesizes them to
 * a temporary folder as `cdk8s synth` does, and prints one JSON line.
 *
 *   node --import tsx bench/synth-worker.ts --kind meshform --count 1000
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AccessPolicy, CanaryRoute, CircuitBreaker, Match, Mesh, MeshService, MtlsMode, PolicyTarget, Principal, Retry, StrictMtls, Timeout, Workload } from '../constructs';

export type SynthKind = 'meshform' | 'baseline';

export interface SynthSample {
  readonly kind: SynthKind;
  readonly count: number;
  /** Kubernetes and mesh objects written. */
  readonly objects: number;
  readonly seconds: number;
  /** CPU seconds (user + system) of the same span: steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
  /** Peak RSS of the process, and how much of it the synth added over the loaded modules. */
  readonly peakRssMb: number;
  readonly addedRssMb: number;
}

const NAMESPACE = 'bench';

/** The workload both kinds share: a cdk8s-plus Deployment and the Service exposing it. */
function plainService(chart: Chart, i: number): { deployment: kplus.Deployment; service: kplus.Service } {
  const deployment = new kplus.Deployment(chart, `svc-${i}-deployment`, { containers: [{ image: `example/svc-${i}:1`, portNumber: 8080, securityContext: { ensureNonRoot: false } }] });
  const service = deployment.exposeViaService({ name: `svc-${i}`, ports: [{ port: 8080, targetPort: 8080 }] });
  return { deployment, service };
}

/**
 * The same workload in the mesh: a MeshService adopting it (two versions, calling the previous
 * service), a canary route with retries and a timeout, a circuit breaker and an access policy
 * letting only the previous service in; one Mesh and namespace-wide STRICT mTLS for all.
 */
function build(kind: SynthKind, count: number, app: App): void {
  const chart = new Chart(app, NAMESPACE, { namespace: NAMESPACE });
  if (kind === 'meshform') {
    new Mesh(chart, 'mesh', { name: 'default' });
    new StrictMtls(chart, 'strict', { namespace: NAMESPACE, target: PolicyTarget.namespace(), mode: MtlsMode.STRICT });
  }
  let previous: MeshService | undefined;
  for (let i = 0; i < count; i++) {
    const workload = plainService(chart, i);
    if (kind === 'baseline') continue;
    const svc = new MeshService(chart, `svc-${i}-mesh`, {
      namespace: NAMESPACE,
      versions: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }],
      calls: previous ? [previous] : [],
      workload: Workload.adopt({ deployments: [workload.deployment], service: workload.service }),
    });
    new CanaryRoute(chart, `svc-${i}-canary`, {
      service: svc,
      stable: 'v1',
      canary: 'v2',
      canaryWeight: 10,
      canaryMatches: [Match.header('canary', 'true')],
      timeout: Timeout.of('5s'),
      retry: Retry.on('gateway-error', 'connect-failure').attempts(3).perTryTimeout('1s'),
    });
    new CircuitBreaker(chart, `svc-${i}-breaker`, { service: svc, connectionPool: { tcp: { maxConnections: 100 } }, outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s' } });
    new AccessPolicy(chart, `svc-${i}-access`, { target: PolicyTarget.service(svc), rules: [{ from: [Principal.service(previous ?? svc)] }] });
    previous = svc;
  }
}

function rssMb(key: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
}

function main(): void {
  const { values } = parseArgs({ options: { kind: { type: 'string' }, count: { type: 'string' } } });
  const kind = values.kind as SynthKind;
  const count = Number(values.count);
  if ((kind !== 'meshform' && kind !== 'baseline') || !(count > 0)) throw new Error('usage: synth-worker.ts --kind meshform|baseline --count <n>');
  const outdir = mkdtempSync(path.join(tmpdir(), 'meshform-bench-synth-'));
  try {
    const before = rssMb('VmRSS');
    const started = performance.now();
    const cpu = process.cpuUsage();
    const app = new App({ outdir });
    build(kind, count, app);
    app.synth();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const objects = readdirSync(outdir).reduce((n, f) => n + (readFileSync(path.join(outdir, f), 'utf8').match(/^kind: /gm)?.length ?? 0), 0);
    const peak = rssMb('VmHWM');
    const sample: SynthSample = { kind, count, objects, seconds, cpuSeconds: (used.user + used.system) / 1e6, peakRssMb: peak, addedRssMb: peak - before };
    console.log(JSON.stringify(sample));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main();
