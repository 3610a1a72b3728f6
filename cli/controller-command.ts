import * as path from 'node:path';
import { createLogger } from '../controller/logger';
import { runControllerWith, type RunOptions } from '../controller/run-controller';
import { loadDashboardAssets } from '../dashboard/assets';
import { untilStopped } from './until-stopped';

/** `meshform controller`'s options, as cli/commands/controller.ts declares and checks them. */
export interface ControllerFlags {
  /** Local mode: the manifests folder. Exactly one of `local` and `kubernetes`. */
  readonly local?: string;
  readonly registry: string;
  readonly kubernetes?: boolean;
  readonly kubeconfig?: string;
  readonly namespace: string;
  /** Empty: the host name. */
  readonly podName: string;
  readonly tokenAudience?: readonly string[];
  readonly host?: string;
  readonly xdsPort?: number;
  readonly adminPort: number;
  /** A port serving only /metrics, so a NetworkPolicy can open it alone. */
  readonly metricsPort?: number;
  readonly xdsTls?: boolean;
  readonly debounceMs?: number;
  /** With `caKey`. */
  readonly caCert?: string;
  readonly caKey?: string;
  readonly caChain?: string;
  readonly caRoot?: string;
  /** Keeps the self-signed root in this folder across restarts. */
  readonly caDir?: string;
  /** Workload certificate lifetime, in milliseconds. */
  readonly certTtl?: number;
  /** The dashboard reads traffic from this Prometheus instead of the sidecars. */
  readonly prometheusUrl?: string;
}

/** The run options of a controller command line: the defaults that depend on the mode filled in. */
export function controllerRunOptions(flags: ControllerFlags): Omit<RunOptions, 'log'> {
  const local = flags.local !== undefined;
  const mode: RunOptions['mode'] = local
    ? { kind: 'local', manifestsDir: path.resolve(flags.local!), registryFile: path.resolve(flags.registry) }
    : {
        kind: 'kubernetes',
        namespace: flags.namespace,
        podName: flags.podName,
        tokenAudiences: flags.tokenAudience ?? [],
        ...(flags.kubeconfig ? { kubeconfigFile: path.resolve(flags.kubeconfig) } : {}),
      };
  return {
    mode,
    host: flags.host ?? (local ? '127.0.0.1' : '0.0.0.0'),
    xdsPort: flags.xdsPort ?? (local ? 15010 : 15012),
    adminPort: flags.adminPort,
    ...(flags.metricsPort !== undefined ? { metricsPort: flags.metricsPort } : {}),
    xdsTls: flags.xdsTls ?? !local,
    ...(flags.debounceMs !== undefined ? { debounceMs: flags.debounceMs } : {}),
    ...(flags.certTtl !== undefined ? { workloadTtlMs: flags.certTtl } : {}),
    ...(flags.caDir !== undefined ? { caDir: path.resolve(flags.caDir) } : {}),
    ...(flags.prometheusUrl !== undefined ? { prometheusUrl: flags.prometheusUrl } : {}),
    ...(flags.caCert !== undefined
      ? { providedCa: { certFile: flags.caCert, keyFile: flags.caKey!, ...(flags.caChain ? { chainFile: flags.caChain } : {}), ...(flags.caRoot ? { rootFile: flags.caRoot } : {}) } }
      : {}),
  };
}

/**
 * `meshform controller --local <dir> | --kubernetes [...]`: runs the control plane until SIGINT or
 * SIGTERM. Prints one JSON line on stdout when serving (`{"event":"ready","xdsPort":…,"adminPort":…,"metricsPort":…}`);
 * logs go to stderr.
 */
export async function runController(flags: ControllerFlags): Promise<number> {
  const log = createLogger();
  const running = await runControllerWith({ ...controllerRunOptions(flags), dashboardAssets: loadDashboardAssets, log });
  process.stdout.write(`${JSON.stringify({ event: 'ready', xdsPort: running.xdsPort, adminPort: running.adminPort, metricsPort: running.metricsPort })}\n`);
  await untilStopped();
  log.info('shutting down');
  await running.close();
  return 0;
}
