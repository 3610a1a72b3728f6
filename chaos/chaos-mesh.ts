import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { Backend, CircuitBreaker, MeshService, MtlsMode, PolicyTarget, Retry, StrictMtls, TrafficRoute, Workload } from '../constructs';
import { LocalMesh, type SupervisionEvent } from '../runner';
import { writeGitOpsFolder } from '../stacks/gitops-output';

export const NAMESPACE = 'chaos';
/** The service under load: two versions of two instances each, behind the ingress sidecar. */
export const SERVICE = 'api';

/**
 * The mesh the chaos cases run against, as a platform team would write it: strict mTLS, a split
 * route that retries gateway errors and refused connections, and outlier detection that ejects an
 * instance after consecutive gateway errors. `v1Weight` is the split's v1 share (the route case
 * moves it).
 */
export function writeChaosMesh(dir: string, v1Weight = 50): void {
  const app = new App();
  const chart = new Chart(app, 'chaos', { namespace: NAMESPACE });
  const api = new MeshService(chart, SERVICE, {
    namespace: NAMESPACE,
    ports: [{ port: 9080, protocol: 'http' }],
    versions: ['v1', 'v2'].map((v) => ({ name: v, labels: { version: v } })),
    workload: Workload.image('meshform/demo:chaos', { replicas: 2 }),
  });
  new StrictMtls(chart, 'strict', { target: PolicyTarget.namespace(), mode: MtlsMode.STRICT });
  new TrafficRoute(chart, 'api-route', {
    service: api,
    rules: [{ name: 'split', backends: [Backend.version('v1', v1Weight), Backend.version('v2', 100 - v1Weight)], retry: Retry.on('gateway-error', 'connect-failure', 'reset').attempts(2).perTryTimeout('1s') }],
  });
  new CircuitBreaker(chart, 'api-outliers', { service: api, outlierDetection: { consecutiveGatewayErrors: 3, interval: '500ms', baseEjectionTime: '5s', maxEjectionPercent: 50 } });
  writeGitOpsFolder(app, dir);
}

export interface ChaosMeshOptions {
  readonly root: string;
  readonly subnet: number;
  readonly certTtl?: string;
  readonly supervision: (event: SupervisionEvent) => void;
}

/** A fresh local mesh for one case, in its own folder and loopback subnet. */
export async function startChaosMesh(options: ChaosMeshOptions): Promise<{ mesh: LocalMesh; manifests: string }> {
  const manifests = path.join(options.root, 'manifests');
  fs.rmSync(options.root, { recursive: true, force: true });
  writeChaosMesh(manifests);
  const mesh = await LocalMesh.start({
    manifestsDir: manifests,
    workspaceDir: path.join(options.root, 'workspace'),
    subnet: options.subnet,
    supervision: options.supervision,
    ...(options.certTtl ? { certTtl: options.certTtl } : {}),
  });
  return { mesh, manifests };
}
