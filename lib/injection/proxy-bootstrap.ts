import type { AppProbe } from './app-probes';
import { CA_ROOT_KEY } from './ca-root';
import { portMap, type CapturePlan } from './capture-plan';
import type { InjectionConfig } from './injection-config';

/** Where the proxy container sees its projected files (bootstrap, identity token, controller CA root). */
export const PROXY_CONFIG_DIR = '/var/run/meshform';
export const BOOTSTRAP_FILE = 'bootstrap.json';
export const TOKEN_FILE = 'token';

/** Environment variables the kubelet fills per pod and the bootstrap refers to as `${NAME}`. */
export const POD_ENV = { POD_IP: 'status.podIP', POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace' } as const;

/** Who the proxy speaks for and what its pod looks like, settled from the pod. */
export interface ProxyIdentityInput {
  /** The MeshService the pod belongs to. */
  readonly workload: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Where the capture rules send each application port's traffic. */
  readonly capture: CapturePlan;
  /** The app probes the health port runs (see `rewriteAppProbes`). */
  readonly appProbes: Readonly<Record<string, AppProbe>>;
}

/**
 * The proxy's bootstrap (proxy/bootstrap format) for one pod. The pod IP is unknown until the pod
 * is scheduled, so it stays a `${POD_IP}` reference that the proxy's entry expands from its
 * environment (`expandEnvReferences`); everything else is known at injection.
 */
export function proxyBootstrap(identity: ProxyIdentityInput, config: InjectionConfig): Record<string, unknown> {
  const { workload, capture, appProbes } = identity;
  return {
    node: proxyNode('sidecar', identity, { OUTBOUND_IP: config.outboundIp, INBOUND_PORTS: portMap(capture.inbound), OUTBOUND_PORTS: portMap(capture.outbound) }),
    ...proxyPodBootstrap(config, workload),
    ...(Object.keys(appProbes).length > 0 ? { appProbes } : {}),
  };
}

/**
 * The bootstrap's node of a proxy in a pod: `type` is "sidecar", or "router" for a gateway (Istio's
 * node types); `metadata` adds to what every proxy reports.
 */
export function proxyNode(type: 'sidecar' | 'router', identity: Pick<ProxyIdentityInput, 'workload' | 'namespace' | 'serviceAccount' | 'labels'>, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  const { workload, namespace, serviceAccount, labels } = identity;
  return {
    id: `${type}~\${POD_IP}~${workload}.${namespace}~${namespace}.svc.cluster.local`,
    cluster: workload,
    metadata: { NAMESPACE: namespace, SERVICE_ACCOUNT: serviceAccount, WORKLOAD: workload, LABELS: { ...labels }, INSTANCE_IP: '${POD_IP}', ...metadata },
  };
}

/**
 * The bootstrap fields every proxy in a pod has, a sidecar's or a gateway's: the controller and
 * the projected files it is reached with, the admin and health ports, draining and tracing.
 */
export function proxyPodBootstrap(config: InjectionConfig, serviceName: string): Record<string, unknown> {
  return {
    controller: { address: config.controllerAddress, caFile: `${PROXY_CONFIG_DIR}/${CA_ROOT_KEY}` },
    admin: { address: '127.0.0.1', port: config.adminPort },
    // Bound to the pod IP as well as loopback: the kubelet probes and Prometheus scrapes from outside the pod.
    health: { address: '0.0.0.0', port: config.healthPort },
    tokenPath: `${PROXY_CONFIG_DIR}/${TOKEN_FILE}`,
    drainTimeoutMs: config.drainTimeoutMs,
    ...(config.tracing ? { tracing: { otlpEndpoint: config.tracing.otlpEndpoint, samplingPercent: config.tracing.samplingPercent, serviceName } } : {}),
  };
}

/**
 * Replaces `${NAME}` with the environment's value; a reference to an unset variable is an error
 * rather than an empty string, so a proxy never registers as `sidecar~~…`.
 */
export function expandEnvReferences(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_match, name: string) => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`the bootstrap refers to \${${name}} but ${name} is not set`);
    return value;
  });
}
