import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Chart } from 'cdk8s';
import { API_GROUP_VERSION } from '../../../lib/api';
import { BOOTSTRAP_ANNOTATION, expandEnvReferences, INIT_CONTAINER, meshCaptureOf, type Container, type MeshCapture, type PodLike } from '../../../lib/injection';
import { parseResource } from '../../../lib/validation';
import { PodNetwork } from './pod-network';

const run = promisify(execFile);
const CLIENT = path.join(__dirname, 'pod-client.ts');

/** What pod-client.ts printed. */
export interface Answer {
  readonly status?: number;
  readonly body?: string;
  readonly data?: string;
  readonly error?: string;
}

/** One call from inside `ns` (as root: in the pod that is an app's call, captured like one); see pod-client.ts for the modes. */
export async function callFrom(ns: string, mode: 'http' | 'https' | 'tcp', ...args: string[]): Promise<Answer> {
  const { stdout } = await run('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', CLIENT, mode, ...args]);
  return JSON.parse(stdout) as Answer;
}

/** Retries `attempt` until it gives a value; the failure carries the last error and the processes' logs. */
export async function until<T>(what: string, attempt: () => Promise<T | undefined>, logs: () => string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}\n${logs()}`);
}

/** A workload's token for the local controller, in a file the proxy's UID can read, and its digest for the registry. */
export function writeToken(root: string, name: string): { file: string; sha256: string } {
  const value = randomBytes(32).toString('hex');
  const file = path.join(root, `${name}.token`);
  fs.writeFileSync(file, value, { mode: 0o644 });
  return { file, sha256: createHash('sha256').update(value).digest('hex') };
}

/** A workload of the local controller's registry (namespace shop, `app: <name>`, service account `<name>`); `app` is its app's address when its sidecar is not in a pod. */
export function registryEntry(name: string, address: string, token: { sha256: string }, app?: string): Record<string, unknown> {
  return { name: `${name}-0`, namespace: 'shop', address, labels: { app: name }, serviceAccount: name, tokenSha256: token.sha256, ...(app ? { app: { address: app } } : {}) };
}

/** Starts the image's controller in local mode in `network`'s node namespace, plaintext xDS on `<address>:15010`; writes its registry under `root`. */
export function startLocalController(network: PodNetwork, image: { controller: string }, root: string, manifests: string, address: string, workloads: readonly Record<string, unknown>[]): void {
  const registry = path.join(root, 'registry.json');
  fs.writeFileSync(registry, JSON.stringify({ version: 1, workloads }));
  network.start(network.node, process.execPath, [image.controller, '--local', manifests, '--registry', registry, '--host', address, '--xds-port', '15010', '--admin-port', '15011'], { name: 'controller' });
}

/** The mesh a chart describes, as the webhook reads it from the API server once the chart is applied. */
export function meshOfChart(chart: Chart): MeshCapture {
  return meshCaptureOf(chart.toJson().filter((o) => (o as { apiVersion?: string }).apiVersion === API_GROUP_VERSION).map((o) => parseResource(o)));
}

/** What the init container of an injected pod runs. */
export function captureScriptOf(pod: PodLike): string {
  return (pod.spec.initContainers!.find((c: Container) => c.name === INIT_CONTAINER)!['command'] as string[])[2]!;
}

/**
 * The injected pod's proxy bootstrap as the downward API projects it, with the pod IP filled in and
 * pointed at the test's plaintext local-mode controller; the file's path.
 */
export function podBootstrapFile(root: string, pod: PodLike, controller: string, tokenFile: string): string {
  const bootstrap = JSON.parse(expandEnvReferences(pod.metadata!.annotations![BOOTSTRAP_ANNOTATION]!, { POD_IP: PodNetwork.POD_IP })) as Record<string, unknown>;
  const file = path.join(root, 'pod.bootstrap.json');
  fs.writeFileSync(file, JSON.stringify({ ...bootstrap, controller: { address: controller, initialBackoffMs: 50, maxBackoffMs: 500 }, tokenPath: tokenFile }));
  return file;
}
