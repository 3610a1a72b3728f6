import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { MeshService, MtlsMode, PolicyTarget, StrictMtls, Telemetry } from '../constructs';
import { readMeshDir } from '../lib/manifests';
import type { MeshResource } from '../lib/api';
import { SIDECAR_NODE_FLAGS } from '../proxy/node-flags';
import { addressesOf, INGRESS_NAME, planInstances, Workspace, type PlannedInstance } from '../runner';
import { writeGitOpsFolder } from '../stacks/gitops-output';
import { startTracked, stderrTail, stopTracked, waitForLine } from './support/child-processes';
import { startOtlpSink, type OtlpSink } from './support/otlp-sink';
import { ECHO_HOST, ECHO_PATH, ECHO_PORT, MESH_SUBNET, MESH_TELEMETRY_SUBNET, SERVICE_PORTS, type ProxyPath } from './proxy-path';

/** The single-file bundles the images run (scripts/build-bundles.ts). */
export interface Bundles {
  readonly proxy: string;
  readonly controller: string;
}

export interface MeshformPathOptions {
  readonly bundles: Bundles;
  /** Manifests, registry, tokens and bootstraps go here. */
  readonly workDir: string;
  /** Node flags for the two sidecars, e.g. `--cpu-prof` (which NODE_OPTIONS may not carry). */
  readonly sidecarNodeFlags?: readonly string[];
  /**
   * The example mesh's telemetry on top (metrics, JSON access logs, 10% of requests traced to an
   * OTLP sink), to show what it costs. Such a pair runs beside the plain one, on its own subnet.
   * @default false
   */
  readonly telemetry?: boolean;
}

const SERVICE = 'bench';
const XDS_PORT = 15010;
const ADMIN_PORT = 15014;
const OTLP_PORT = 4318;
const READY_TIMEOUT_MS = 30_000;
/** The example mesh's sampling (examples/bookinfo): a tenth of the requests become spans. */
const TRACING_SAMPLING_PERCENT = 10;

/**
 * The mesh's path, planned as the local runner plans a mesh (its instance plan and workspace) but
 * run from the bundled controller and proxy the images run: the controller in local mode on a
 * synthesized mesh (one STRICT mTLS service with an HTTP/1.1 and an HTTP/2 port), an ingress
 * sidecar as the client's outbound proxy and the service's inbound sidecar in front of the echo
 * server. LocalMesh itself is not used: it runs demo applications inside the calling process,
 * while here the application must be the echo server every other path calls, in its own process,
 * and the sidecars may need Node flags (profiling).
 */
export async function startMeshformPath(options: MeshformPathOptions): Promise<ProxyPath> {
  const subnet = options.telemetry ? MESH_TELEMETRY_SUBNET : MESH_SUBNET;
  const at = (k: number) => addressesOf(k, subnet);
  const sinkHost = at(254).instanceIp;
  const manifests = path.join(options.workDir, 'manifests');
  writeManifests(manifests, options.telemetry ? `http://${sinkHost}:${OTLP_PORT}` : undefined);
  // Every pair's service instance forwards to the one echo server (on MESH_SUBNET it is there already).
  const planned = planInstances(readMesh(manifests), at).map((p, i) => (i === 0 ? { ...p, appIp: ECHO_HOST } : p));
  const ingressPlan: PlannedInstance = { name: INGRESS_NAME, namespace: SERVICE, service: INGRESS_NAME, labels: { app: INGRESS_NAME }, serviceAccount: 'web', sidecar: true, ...at(0), ports: [], calls: {} };
  const controllerHost = at(255).instanceIp;
  const workspace = new Workspace({ dir: path.join(options.workDir, 'workspace'), controllerXds: `${controllerHost}:${XDS_PORT}` });
  const files = workspace.write(planned, ingressPlan);

  const sidecars: ChildProcess[] = [];
  let controller: ChildProcess | undefined;
  let sink: OtlpSink | undefined;
  const stop = async () => {
    // Sidecars first: they drain, and --cpu-prof writes its profile on a clean exit.
    await Promise.all(sidecars.map((c) => stopTracked(c)));
    if (controller) await stopTracked(controller);
    await sink?.close();
  };
  try {
    if (options.telemetry) sink = await startOtlpSink(sinkHost, OTLP_PORT);
    controller = startTracked(process.execPath, [options.bundles.controller, '--local', manifests, '--registry', workspace.registryFile, '--host', controllerHost, '--xds-port', String(XDS_PORT), '--admin-port', String(ADMIN_PORT)], { env: { ...process.env, MESHFORM_LOG_LEVEL: 'error' } });
    await waitForLine(controller, 'controller', (line) => line.includes('"ready"'), READY_TIMEOUT_MS);
    controller.stdout!.resume();
    for (const plan of [ingressPlan, planned[0]!]) {
      const f = files.get(plan.name)!;
      const sidecar = startTracked(process.execPath, [...SIDECAR_NODE_FLAGS, ...(options.sidecarNodeFlags ?? []), options.bundles.proxy, '--bootstrap', f.bootstrap]);
      sidecars.push(sidecar);
      // Logs are read and dropped, as a log collector would read them, so a full pipe never stalls a proxy.
      sidecar.stdout!.resume();
      await waitReady(`http://${f.adminAddress}/ready`, plan.name, sidecar);
    }
    return {
      name: options.telemetry ? 'Meshform + telemetry' : 'Meshform',
      target: (protocol) => ({ url: `http://${ingressPlan.outboundIp}:${SERVICE_PORTS[protocol]}${ECHO_PATH}`, host: `${SERVICE}:${SERVICE_PORTS[protocol]}` }),
      proxies: [
        { role: 'outbound', pid: sidecars[0]!.pid! },
        { role: 'inbound', pid: sidecars[1]!.pid! },
      ],
      ...(sink ? { counts: () => ({ otlpBatches: sink!.batches() }) } : {}),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The benchmark's mesh, written with the constructs as a user would: STRICT mTLS on the service;
 * with an OTLP endpoint, also the example mesh's Telemetry (examples/bookinfo) for the namespace,
 * with metrics (on by default) and JSON access logs explicitly on.
 */
function writeManifests(dir: string, otlpEndpoint: string | undefined): void {
  mkdirSync(dir, { recursive: true });
  const app = new App();
  const chart = new Chart(app, SERVICE, { namespace: SERVICE });
  const service = new MeshService(chart, SERVICE, {
    namespace: SERVICE,
    ports: [
      { port: SERVICE_PORTS.http1, targetPort: ECHO_PORT, protocol: 'http' },
      { port: SERVICE_PORTS.h2, targetPort: ECHO_PORT, protocol: 'http2' },
    ],
  });
  new StrictMtls(chart, 'strict', { target: PolicyTarget.service(service), mode: MtlsMode.STRICT });
  if (otlpEndpoint) {
    new Telemetry(chart, 'telemetry', {
      namespace: SERVICE,
      target: PolicyTarget.namespace(),
      metrics: { enabled: true },
      accessLogs: { enabled: true, format: 'json' },
      tracing: { samplingPercent: TRACING_SAMPLING_PERCENT, otlpEndpoint },
    });
  }
  writeGitOpsFolder(app, dir);
}

function readMesh(dir: string): readonly MeshResource[] {
  const mesh = readMeshDir(dir);
  if (mesh.findings.length > 0) throw new Error(`the benchmark's own mesh is invalid: ${mesh.findings.map((f) => f.message).join('; ')}`);
  return mesh.resources;
}

/** Polls a sidecar's readiness until it answers 200 (it has its config and certificate). */
async function waitReady(url: string, name: string, sidecar: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (sidecar.exitCode !== null || sidecar.signalCode !== null) throw new Error(`${name} exited before it was ready: ${stderrTail(sidecar)}`);
    if (await fetch(url).then((r) => r.status === 200, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} was not ready within ${READY_TIMEOUT_MS} ms (${url}): ${stderrTail(sidecar)}`);
}
