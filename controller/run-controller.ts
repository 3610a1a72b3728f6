import { LocalTokenVerifier } from './ca/local-token-verifier';
import type { ProvidedCaFiles } from './ca/certificate-authority';
import { AdminServer } from './admin-server';
import { Controller } from './controller';
import type { Logger } from './logger';
import { LocalSource } from './sources/local-source';
import { KubernetesSource } from './sources/kubernetes-source';

export interface RunOptions {
  readonly mode: { readonly kind: 'local'; readonly manifestsDir: string; readonly registryFile?: string } | { readonly kind: 'kubernetes'; readonly podName: string; readonly namespace: string; readonly tokenAudiences: readonly string[]; readonly kubeconfigFile?: string };
  readonly host: string;
  readonly xdsPort: number;
  readonly adminPort: number;
  readonly xdsTls: boolean;
  readonly debounceMs?: number;
  readonly providedCa?: ProvidedCaFiles;
  readonly workloadTtlMs?: number;
  readonly log: Logger;
}

/** A running control plane. */
export interface RunningController {
  readonly controller: Controller;
  readonly xdsPort: number;
  readonly adminPort: number;
  close(): Promise<void>;
}

/** Wires a source, the controller and the admin port for one mode and starts them. */
export async function runControllerWith(options: RunOptions): Promise<RunningController> {
  const controller = new Controller({
    log: options.log,
    xds: { host: options.host, port: options.xdsPort, tls: options.xdsTls },
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
    ca: { ...(options.providedCa ? { provided: options.providedCa } : {}), ...(options.workloadTtlMs ? { workloadTtlMs: options.workloadTtlMs } : {}) },
  });
  let stopSource: () => Promise<void> | void;
  let extras: { ready(): boolean; sourceProblems(): unknown };
  if (options.mode.kind === 'local') {
    const source = new LocalSource({ manifestsDir: options.mode.manifestsDir, ...(options.mode.registryFile ? { registryFile: options.mode.registryFile } : {}) }, controller.state, options.log);
    source.start();
    controller.setIdentityVerifier(new LocalTokenVerifier((hash) => source.identityOfTokenHash(hash)));
    stopSource = () => source.stop();
    extras = { ready: () => true, sourceProblems: () => ({ manifests: source.manifestProblems, registry: source.registryProblem }) };
  } else {
    const source = await KubernetesSource.start(controller, options.log, options.mode);
    stopSource = () => source.stop();
    extras = { ready: () => source.synced(), sourceProblems: () => source.problems() };
  }
  await controller.start();
  const admin = new AdminServer(controller, extras);
  const adminPort = await admin.listen(options.host, options.adminPort);
  options.log.info({ adminPort, xdsPort: controller.xdsPort }, 'controller ready');
  return {
    controller,
    xdsPort: controller.xdsPort,
    adminPort,
    async close() {
      await stopSource();
      await admin.close();
      await controller.close();
    },
  };
}
