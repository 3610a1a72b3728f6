import { mkdtempSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { createLogger } from '../../controller/logger';
import { runControllerWith, type RunningController } from '../../controller/run-controller';

export interface LocalControllerHarness {
  readonly running: RunningController;
  readonly dir: string;
  readonly xdsAddress: string;
  readonly adminUrl: string;
  /** Replaces a manifest file (atomically, as synth does). */
  writeManifest(name: string, objects: readonly object[]): void;
  writeRegistry(registry: object): void;
  close(): Promise<void>;
}

function atomicWrite(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

/** A local-mode controller on loopback ports chosen by the OS, over a temporary folder. */
export async function startLocalController(options: { manifests?: readonly object[]; registry?: object; debounceMs?: number; workloadTtlMs?: number; xdsTls?: boolean } = {}): Promise<LocalControllerHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshform-controller-'));
  const manifestsDir = path.join(dir, 'manifests');
  mkdirSync(manifestsDir);
  const registryFile = path.join(dir, 'registry.json');
  const writeManifest = (name: string, objects: readonly object[]) => atomicWrite(path.join(manifestsDir, name), objects.map((o) => stringify(o)).join('---\n'));
  const writeRegistry = (registry: object) => atomicWrite(registryFile, JSON.stringify(registry));
  if (options.manifests) writeManifest('mesh.yaml', options.manifests);
  writeRegistry(options.registry ?? { version: 1, workloads: [] });
  const running = await runControllerWith({
    mode: { kind: 'local', manifestsDir, registryFile },
    host: '127.0.0.1',
    xdsPort: 0,
    adminPort: 0,
    xdsTls: options.xdsTls ?? false,
    debounceMs: options.debounceMs ?? 10,
    ...(options.workloadTtlMs ? { workloadTtlMs: options.workloadTtlMs } : {}),
    log: createLogger(process.env['MESHFORM_TEST_LOG'] ?? 'silent'),
  });
  return {
    running,
    dir,
    xdsAddress: `127.0.0.1:${running.xdsPort}`,
    adminUrl: `http://127.0.0.1:${running.adminPort}`,
    writeManifest,
    writeRegistry,
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls a condition until it holds: waiting on state, never on time. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A mesh resource manifest object. */
export function manifest(kind: string, name: string, spec: object, namespace: string | undefined = 'default'): object {
  return { apiVersion: 'meshform.dev/v1alpha1', kind, metadata: { name, ...(namespace && kind !== 'Mesh' ? { namespace } : {}) }, spec };
}

/** GETs an admin path and parses the JSON body (loosely typed: tests assert its shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function adminJson(harness: LocalControllerHarness, pathAndQuery: string): Promise<any> {
  return (await fetch(`${harness.adminUrl}${pathAndQuery}`)).json();
}
