import type { CanaryStatus } from '../lib/api';
import { LocalTokenVerifier } from './ca/local-token-verifier';
import { CanaryDriver } from './canary';
import type { ProvidedCaFiles } from './ca/certificate-authority';
import { accessReviewApi, KubernetesAdminAuthorizer, type AdminAuthorizer } from './admin-authorizer';
import { AdminServer } from './admin-server';
import { Controller } from './controller';
import { DashboardApi, DashboardCollector, DashboardHandler, gatewayAccounts, PrometheusTraffic, SidecarTraffic, type DashboardAssets } from './dashboard';
import type { Logger } from './logger';
import { LocalSource } from './sources/local-source';
import { KubernetesSource } from './sources/kubernetes-source';

export interface RunOptions {
  readonly mode: { readonly kind: 'local'; readonly manifestsDir: string; readonly registryFile?: string } | { readonly kind: 'kubernetes'; readonly podName: string; readonly namespace: string; readonly tokenAudiences: readonly string[]; readonly kubeconfigFile?: string };
  readonly host: string;
  readonly xdsPort: number;
  readonly adminPort: number;
  /** A port serving only /metrics, beside the admin port that serves it too. @default none */
  readonly metricsPort?: number;
  readonly xdsTls: boolean;
  readonly debounceMs?: number;
  readonly providedCa?: ProvidedCaFiles;
  /** Where a self-signed root is kept across restarts (local mode). */
  readonly caDir?: string;
  readonly workloadTtlMs?: number;
  /** Where the dashboard reads traffic: Prometheus at this URL. @default the sidecars' own endpoints */
  readonly prometheusUrl?: string;
  /** The dashboard page's files (the controller command passes dashboard/assets.ts's loader). @default none: the dashboard's API only */
  readonly dashboardAssets?: () => Promise<DashboardAssets>;
  readonly log: Logger;
}

/** A running control plane. */
export interface RunningController {
  readonly controller: Controller;
  readonly xdsPort: number;
  readonly adminPort: number;
  /** The metrics-only port, when one was asked for. */
  readonly metricsPort?: number;
  close(): Promise<void>;
}

/** Wires a source, the controller and the admin port for one mode and starts them. */
export async function runControllerWith(options: RunOptions): Promise<RunningController> {
  const controller = new Controller({
    log: options.log,
    xds: { host: options.host, port: options.xdsPort, tls: options.xdsTls },
    ...(options.mode.kind === 'kubernetes' ? { namespace: options.mode.namespace } : {}),
    ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
    ca: { ...(options.providedCa ? { provided: options.providedCa } : {}), ...(options.caDir ? { keepIn: options.caDir } : {}), ...(options.workloadTtlMs ? { workloadTtlMs: options.workloadTtlMs } : {}) },
  });
  let stopSource: () => Promise<void> | void;
  let extras: { ready(): boolean; sourceProblems(): unknown; canaries(): unknown };
  let kubernetes: KubernetesSource | undefined;
  // Local mode's admin port is on loopback for the one user of the machine; a cluster's is on the pod network.
  let authorizer: AdminAuthorizer | undefined;
  const canaryStatuses = new Map<string, CanaryStatus>();
  const canaries = new CanaryDriver({
    resources: () => controller.state.resources(),
    workloads: () => controller.state.workloads(),
    overrideRoute: (namespace, name, route) => controller.state.override('TrafficRoute', namespace, name, route),
    publish: (key, status) => {
      const before = canaryStatuses.get(key);
      canaryStatuses.set(key, status);
      if (before?.phase !== status.phase || before.canaryWeight !== status.canaryWeight) options.log.info({ canary: key, ...status }, `canary ${key}: ${status.phase} at ${status.canaryWeight}%`);
      const [namespace, name] = key.split('/') as [string, string];
      void kubernetes?.writeCanaryStatus(namespace, name, status);
    },
    // In Kubernetes only the Lease holder decides; the other replicas follow what it wrote.
    isLeader: () => kubernetes?.isLeader ?? true,
    version: () => controller.state.stateVersion,
  });
  if (options.mode.kind === 'local') {
    const source = new LocalSource({ manifestsDir: options.mode.manifestsDir, ...(options.mode.registryFile ? { registryFile: options.mode.registryFile } : {}) }, controller.state, options.log);
    source.start();
    controller.setIdentityVerifier(new LocalTokenVerifier((hash) => source.identityOfTokenHash(hash)));
    stopSource = () => source.stop();
    extras = { ready: () => true, sourceProblems: () => ({ manifests: source.manifestProblems, registry: source.registryProblem, gatewayApi: source.gatewayApiResults.flatMap((r) => r.findings) }), canaries: () => Object.fromEntries(canaryStatuses) };
  } else {
    const source = await KubernetesSource.start(controller, options.log, options.mode);
    kubernetes = source;
    authorizer = new KubernetesAdminAuthorizer(accessReviewApi(source.kubeConfig), { namespace: options.mode.namespace, log: options.log });
    stopSource = () => source.stop();
    extras = { ready: () => source.synced(), sourceProblems: () => source.problems(), canaries: () => Object.fromEntries(canaryStatuses) };
  }
  await controller.start();
  // The canary driver steps route weights from the proxies' own metrics; a tick that fails is
  // retried on the next one and never takes the controller down.
  const canaryTimer = setInterval(() => canaries.tick().catch((err: unknown) => options.log.warn({ code: 'CANARY_TICK_FAILED', err }, 'canary check failed')), 1_000);
  canaryTimer.unref();
  const streams = () => [...controller.proxies.values()].map((p) => p.stream);
  const collector = new DashboardCollector({
    source: options.prometheusUrl ? new PrometheusTraffic(options.prometheusUrl) : new SidecarTraffic(() => controller.state.workloads()),
    resources: () => controller.state.resources(),
    workloads: () => controller.state.workloads(),
    gateways: (model) => gatewayAccounts(model, streams()),
    log: options.log,
  });
  const dashboardApi = new DashboardApi(collector, { proxies: streams, canaryStatus: (key) => canaryStatuses.get(key), canaryHistory: (key) => canaries.history(key) });
  const dashboard = new DashboardHandler(dashboardApi, options.dashboardAssets ?? (() => Promise.resolve(new Map())));
  const admin = new AdminServer(controller, extras, authorizer, dashboard);
  const adminPort = await admin.listen(options.host, options.adminPort);
  const metricsPort = options.metricsPort === undefined ? undefined : await admin.listen(options.host, options.metricsPort, 'metrics');
  options.log.info({ adminPort, metricsPort, xdsPort: controller.xdsPort }, 'controller ready');
  return {
    controller,
    xdsPort: controller.xdsPort,
    adminPort,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    async close() {
      clearInterval(canaryTimer);
      collector.stop();
      await stopSource();
      await admin.close();
      await controller.close();
    },
  };
}
